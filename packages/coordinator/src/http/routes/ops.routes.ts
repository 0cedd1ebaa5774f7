import type { App, Services } from '../route-context.js';

/** Health, readiness and metrics: outside /api/v1, no auth (put them behind your proxy's rules). */
export function opsRoutes(app: App, s: Services): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await Promise.race([
        s.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database ping timed out')), 2_000).unref()),
      ]);
      return { status: 'ready', database: s.db.engine };
    } catch (err) {
      return reply.status(503).send({
        error: { code: 'service_unavailable', message: `the database is not reachable: ${(err as Error).message}` },
      });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', s.metrics.registry.contentType);
    return s.metrics.registry.metrics();
  });
}
