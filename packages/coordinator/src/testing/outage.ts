import pg from 'pg';
import { ADMIN_URL } from './engines.js';

export interface DatabaseOutage {
  /** Lets connections in again. */
  end(): Promise<void>;
}

/**
 * Makes a PostgreSQL database unreachable until `end()`: new connections are
 * refused and open ones are cut — not once but every `everyMs`, because a pool
 * connection that was half-way through its start-up when the door closed
 * passes the ALLOW_CONNECTIONS check yet is not listed (by datname) in
 * pg_stat_activity until its start-up completes, and would survive a single
 * sweep (a CI run saw an "outage" with no failed query at all).
 */
export async function databaseOutage(datname: string, everyMs = 50): Promise<DatabaseOutage> {
  if (!/^\w+$/.test(datname)) throw new Error(`not a test database name: ${datname}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const cut = () =>
    admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [datname]);
  await admin.query(`ALTER DATABASE ${datname} ALLOW_CONNECTIONS false`);
  await cut();
  let cutting = true;
  let failure: unknown;
  const loop = (async () => {
    while (cutting) {
      await new Promise((r) => setTimeout(r, everyMs));
      await cut();
    }
  })().catch((err: unknown) => (failure = err));
  return {
    async end() {
      cutting = false;
      await loop;
      try {
        await admin.query(`ALTER DATABASE ${datname} ALLOW_CONNECTIONS true`);
      } finally {
        await admin.end();
      }
      if (failure) throw failure;
    },
  };
}
