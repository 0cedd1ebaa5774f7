import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.database.js';
import { openPostgres } from './postgres.database.js';

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite in the data directory; migrated. */
export async function openDatabase(config: Pick<CoordinatorConfig, 'databaseUrl' | 'dataDir'>, log: Logger): Promise<Database> {
  const db = config.databaseUrl
    ? openPostgres(config.databaseUrl, (err) => log.warn({ err }, 'idle database connection lost'))
    : await openPglite(config.dataDir);
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ event: 'db.migrated', applied, engine: db.engine }, `applied ${applied.length} migration(s)`);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
