export { createCoordinator, createLogger, type Coordinator } from './app.js';
export { loadConfig, ConfigError, type CoordinatorConfig, type ConfigFlags } from './config.js';
export { openDatabase } from './store/open.js';
export type { Database } from './store/database.js';
export { openPglite } from './store/pglite.database.js';
export { openPostgres } from './store/postgres.database.js';
export { migrate } from './store/migrate.js';
export { serve } from './serve.js';
