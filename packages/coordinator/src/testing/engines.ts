import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import type { Database } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { openPglite } from '../store/pglite.database.js';
import { openPostgres } from '../store/postgres.database.js';

export type Engine = 'pglite' | 'postgres';
export const ENGINES: Engine[] = ['pglite', 'postgres'];

export const ADMIN_URL = process.env.GRID_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Under GRID_REQUIRE_POSTGRES=1 (CI) a PostgreSQL that cannot be reached fails the run instead of skipping. */
const REQUIRED = process.env.GRID_REQUIRE_POSTGRES === '1';

let reachable: Promise<string | null> | undefined;
/** null when PostgreSQL answers, else why not. */
function postgresProblem(): Promise<string | null> {
  return (reachable ??= (async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (err) {
      return `PostgreSQL at ${ADMIN_URL} is not reachable: ${(err as Error).message}`;
    } finally {
      await c.end().catch(() => {});
    }
  })());
}

/** A throwaway PostgreSQL database: created fresh, dropped by `drop()`. */
export async function createTestPostgres(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `grid_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

export interface TestDatabase {
  /** Opens a connection to the same database (PGlite: the same data directory). */
  open(): Promise<Database>;
  /** Releases the test database for good (PostgreSQL: dropped). */
  destroy(): Promise<void>;
  engine: Engine;
  /** PostgreSQL only: the throwaway database's URL and name. */
  postgres?: { url: string; name: string };
}

/** A fresh, migrated database of the given engine. PGlite lives in memory unless `dataDir` is given. */
export async function createTestDatabase(engine: Engine, dataDir = 'memory://'): Promise<TestDatabase> {
  if (engine === 'pglite') {
    let shared: Database | undefined;
    return {
      engine,
      async open() {
        // In-memory PGlite cannot be reopened: hand the same instance back until it is closed.
        const db = dataDir === 'memory://' ? (shared ??= await openPglite(dataDir)) : await openPglite(dataDir);
        await migrate(db);
        return db;
      },
      async destroy() {
        await shared?.close();
      },
    };
  }
  const problem = await postgresProblem();
  if (problem) throw new Error(problem);
  const temp = await createTestPostgres();
  return {
    engine,
    postgres: { url: temp.url, name: temp.name },
    async open() {
      const db = openPostgres(temp.url);
      await migrate(db);
      return db;
    },
    destroy: () => temp.drop(),
  };
}

/** Probed once, at load: suites must be declared synchronously (see describeEachEngine). */
const POSTGRES_PROBLEM = await postgresProblem();

/**
 * Runs a suite once per engine. PostgreSQL is skipped (with the reason) when it
 * cannot be reached, unless GRID_REQUIRE_POSTGRES=1, where that is a failure.
 * Declared synchronously: node:test files subtests that a suite declares after
 * an await under the wrong parent.
 */
export function describeEachEngine(title: string, fn: (engine: Engine) => void): void {
  for (const engine of ENGINES) describeOn(engine, title, () => fn(engine));
}

/** A suite for one engine only (PostgreSQL: what needs a server several coordinators share). */
export function describeOn(engine: Engine, title: string, fn: () => void): void {
  const skip = engine === 'postgres' && !REQUIRED && POSTGRES_PROBLEM ? POSTGRES_PROBLEM : false;
  describe(`${title} [${engine}]`, { skip }, fn);
}
