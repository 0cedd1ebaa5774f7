import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PROTOCOL_VERSION } from '@gridshare/protocol';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import { clientErrors, frameworkErrors, installErrorHandling } from './error-handler.js';
import { installJsonBody } from './json-body.js';
import type { App } from './route-context.js';

/**
 * The HTTP stack every coordinator route runs on (and the heartbeat
 * benchmark's naive server, so the comparison is fair): strict validation,
 * one error shape, JSON bodies only, request metrics, the protocol header.
 */
export function createHttpServer(config: CoordinatorConfig, log: Logger, metrics: Metrics): App {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One line per state change is the log we want; a line per heartbeat request is noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Behind a reverse proxy every client arrives from the proxy's address; this makes req.ip (and so the
    // per-address auth rate limit) the client's, from the X-Forwarded-For of the trusted peers only.
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : [...config.trustProxy],
    // Unknown fields are an error, not silently dropped; a string is never coerced into a number.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler: clientErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(app);
  installJsonBody(app);
  app.addHook('onResponse', async (req, reply) => {
    metrics.requestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-grid-protocol', PROTOCOL_VERSION);
    return payload;
  });
  return app;
}
