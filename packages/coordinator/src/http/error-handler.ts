import type { ErrorCode } from '@gridshare/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Errors from the database driver that mean "not reachable", not "you asked wrongly".
 * 08xxx connection, 57P0x shutdown, 55000 "database does not allow connections".
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|57P0|55000)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code))) {
    return true;
  }
  return /connection terminated|timeout exceeded when trying to connect|Connection terminated|PGlite is closed|Cannot use a pool after calling end/i.test(
    err.message,
  );
}

const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

function toAppError(err: FastifyError | Error): AppError | null {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError('validation_failed', err.message.replace(/^(body|querystring|params|headers)\/?/, (m) => m));
  }
  const mapped = fe.code ? BY_FASTIFY_CODE[fe.code] : undefined;
  if (mapped) return new AppError(mapped, err.message);
  if (fe.statusCode === 429) return new AppError('rate_limited', err.message);
  if (fe.statusCode === 413) return new AppError('payload_too_large', err.message);
  if (fe.statusCode === 415) return new AppError('unsupported_media_type', err.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError('validation_failed', err.message);
  if (isDatabaseUnavailable(err)) return new AppError('service_unavailable', 'the database is not reachable; try again shortly');
  return null;
}

/** The one place an error becomes an HTTP answer: {"error":{"code","message"}}, never a stack trace. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(err);
    if (!known) {
      req.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'internal_error', message: 'something went wrong on the coordinator' } });
    }
    if (known.status >= 500) req.log.warn({ err }, known.message);
    if (known.code === 'rate_limited' && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
    return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
  });
  app.setNotFoundHandler(routeNotFound);
}

export function routeNotFound(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}
