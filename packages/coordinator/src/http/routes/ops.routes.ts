import { AppError } from '../../errors.js';
import { pingDatabase } from '../../store/database-ping.js';
import type { App, Services } from '../route-context.js';

/** Health, readiness and metrics: outside /api/v1, no auth (put them behind your proxy's rules). */
export function opsRoutes(app: App, s: Services): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (req, reply) => {
    try {
      await pingDatabase(s.db);
    } catch (err) {
      // Anyone may ask: the driver's words (host, database and user names) go to the log, never to the caller.
      // Answered here rather than thrown, so a probe polled through an outage logs one line each time, not two.
      req.log.warn({ err, event: 'readyz.database_unreachable' }, 'readiness check: the database is not reachable');
      const unavailable = new AppError('service_unavailable', 'the database is not reachable');
      return reply.status(unavailable.status).send({ error: { code: unavailable.code, message: unavailable.message } });
    }
    return { status: 'ready', database: s.db.engine };
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', s.metrics.registry.contentType);
    return s.metrics.registry.metrics();
  });
}
