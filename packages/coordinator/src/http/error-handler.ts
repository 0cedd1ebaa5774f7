import type { ErrorCode } from '@gridshare/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';

const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** One readable sentence from the first schema violation: where, and what was expected. */
export function describeValidation(issues: AjvIssue[], context: string | undefined): string {
  const first = issues[0];
  if (!first) return 'the request is not valid';
  const where = `${context ?? 'request'}${first.instancePath}`;
  switch (first.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown field '${String(first.params.additionalProperty)}'`;
    case 'required':
      return `${where} is missing the field '${String(first.params.missingProperty)}'`;
    case 'const':
    case 'enum':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === first.instancePath && (i.keyword === 'const' || i.keyword === 'enum'))
        .flatMap((i) => (i.keyword === 'const' ? [i.params.allowedValue] : ((i.params.allowedValues as unknown[]) ?? [])));
      return allowed.length ? `${where} must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : `${where} ${first.message ?? 'is not valid'}`;
    }
    case 'pattern':
    case 'format':
      return `${where} is not in the expected form${first.keyword === 'format' ? ` (${String(first.params.format)})` : ''}`;
    default:
      return `${where} ${first.message ?? 'is not valid'}`;
  }
}

function toAppError(err: FastifyError | Error): AppError | null {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError('validation_failed', describeValidation(fe.validation as AjvIssue[], fe.validationContext));
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
}

/** Errors Fastify raises before routing (bad percent-encoding, over-long path segments): our shape, 400. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is too long' : 'the URL is not valid (check its percent-encoding)';
  return reply.status(400).send({ error: { code: 'validation_failed', message } });
}

export function routeNotFound(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}
