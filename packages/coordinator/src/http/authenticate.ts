import { TOKEN_SUBPROTOCOL_PREFIX } from '@gridshare/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { AuthContext, AuthService } from '../services/auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
}

/**
 * The bearer token of a request: `Authorization: Bearer …`; on WebSockets a
 * browser opens (it cannot set that header), a `bearer.<token>` subprotocol,
 * or `?token=`.
 */
export function bearerToken(req: FastifyRequest, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    return m[1];
  }
  if (allowQuery) {
    const offered = req.headers['sec-websocket-protocol'];
    const fromProtocol = offered
      ?.split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
    if (fromProtocol) return fromProtocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length) || undefined;
    const q = (req.query as Record<string, unknown> | undefined)?.token;
    return typeof q === 'string' && q ? q : undefined;
  }
  return undefined;
}

/** preHandler that sets `req.auth` or answers 401. */
export function requireAuth(auth: AuthService) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    req.auth = await auth.authenticate(bearerToken(req));
  };
}
