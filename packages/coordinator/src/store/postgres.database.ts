import pg from 'pg';
import type { Database, Queryable } from './database.js';
import { listenPostgres } from './postgres-listener.js';

/** The production engine: a node-postgres pool. */
export function openPostgres(url: string, onError: (err: Error) => void = () => {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', onError);
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await c.query(sql, params as unknown[])).rows as R[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  });
  let closed = false;
  return {
    engine: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    listen: (channel, handlers) => listenPostgres(url, channel, handlers, onError),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
