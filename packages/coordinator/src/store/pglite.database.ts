import { PGlite } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, Queryable } from './database.js';

interface PgliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(db: PgliteLike): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<R>(sql, [...params])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * The embedded engine: real PostgreSQL compiled to WASM, one connection,
 * persisted in `dataDir` (or in memory for `memory://`).
 */
export async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir === 'memory://';
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  // PGlite does not lock its directory: a second coordinator on it would split the data (or corrupt it).
  const unlock = inMemory ? async () => {} : await lockDataDir(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create(inMemory ? undefined : dataDir);
  } catch (err) {
    await unlock();
    throw err;
  }
  let closed = false;
  return {
    engine: 'pglite',
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
      await unlock();
    },
  };
}
