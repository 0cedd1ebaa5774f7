import { type AjvIssue, describeValidation, type ErrorCode, PROTOCOL_VERSION } from '@gridshare/protocol';
import type { Socket } from 'node:net';
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
  // Answered before any hook runs: the protocol header is set here.
  return reply.status(400).header('x-grid-protocol', PROTOCOL_VERSION).send({ error: { code: 'validation_failed', message } });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a malformed
 * request line or header, headers over the limit, a body longer than its
 * Content-Length): our shape, then the connection closes.
 */
export function clientErrors(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const [status, reason, code, message] = tooLarge
    ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are too large']
    : [400, 'Bad Request', 'validation_failed', 'the request is not valid HTTP (its request line, a header, or its length)'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-grid-protocol: ${PROTOCOL_VERSION}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Errors on an open WebSocket: a client breaking the protocol (an oversized message, a bad frame) or going away is its business, not an error of ours. */
export function websocketErrors(error: Error, socket: { terminate(): void }, req: FastifyRequest): void {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('WS_ERR_') || code === 'ECONNRESET' || code === 'EPIPE') req.log.warn({ code, reason: error.message, url: req.url.split('?')[0] }, 'a client broke the WebSocket protocol or went away; closed');
  else req.log.error({ err: error }, 'a WebSocket handler failed');
  socket.terminate();
}

export function routeNotFound(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}
