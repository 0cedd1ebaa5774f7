import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the coordinator: the REST + WebSocket API every agent and browser talks to')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)')
    .option('-H, --host <host>', 'address to bind (env HOST, default 0.0.0.0)')
    .option('--data-dir <dir>', 'where the embedded database lives (env GRID_DATA_DIR)')
    .option('--database-url <url>', 'use PostgreSQL instead of the embedded database (env DATABASE_URL)')
    .addHelpText(
      'after',
      `
Environment:
  GRID_HEARTBEAT_INTERVAL_MS  heartbeat interval told to agents (default 30000)
  GRID_STALE_AFTER_MS         a process goes offline this long after its last heartbeat (default 60000)
  LOG_LEVEL                   fatal|error|warn|info|debug|trace|silent (default info)

Examples:
  grid serve                                   # embedded database, http://localhost:8080
  DATABASE_URL=postgres://localhost/grid grid serve --port 9000`,
    )
    .action(async (opts: { port?: string; host?: string; dataDir?: string; databaseUrl?: string }) => {
      // Loaded on demand: every other command starts faster without the coordinator's dependencies.
      const { ConfigError, loadConfig, serve } = await import('@gridshare/coordinator');
      let config;
      try {
        config = loadConfig(process.env, opts);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`grid serve: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      try {
        await serve(config);
      } catch (err) {
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        const hint = inUse ? `; something else listens on port ${config.port}: pick another with --port N (or PORT=N)` : '';
        process.stderr.write(`grid serve: could not start: ${(err as Error).message}${hint}\n`);
        process.exit(1);
      }
    });
}
