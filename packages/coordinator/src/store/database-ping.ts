import type { Queryable } from './database.js';

/**
 * The cheapest round trip to the database, bounded in time: a connection
 * attempt that hangs (a half-open socket, a server that accepts and never
 * answers) must not hold up a readiness check or the liveness sweep.
 */
export async function pingDatabase(db: Queryable, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database ping timed out after ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
