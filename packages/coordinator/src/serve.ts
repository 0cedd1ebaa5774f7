import { createCoordinator, createLogger } from './app.js';
import type { CoordinatorConfig } from './config.js';
import { openDatabase } from './store/open.js';

/** `grid serve`: open the database, listen, and shut down cleanly on SIGTERM/SIGINT. */
export async function serve(config: CoordinatorConfig): Promise<void> {
  const log = createLogger(config);
  const db = await openDatabase(config, log);
  const coordinator = await createCoordinator(config, db, { logger: log });
  const url = await coordinator.listen();
  const where = db.engine === 'postgres' ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  log.info({ event: 'coordinator.listening', url, database: db.engine }, `coordinator listening on ${url} (${where})`);
  process.stdout.write(`Gridshare coordinator listening on ${url}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'coordinator.stopping', signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000).unref();
    coordinator.close().then(
      () => {
        clearTimeout(force);
        log.info({ event: 'coordinator.stopped' }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
