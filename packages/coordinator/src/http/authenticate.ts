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
 * browser opens (it cannot set that header), a `bearer.<token>` subprotocol.
 * Never the URL: URLs end up in proxy logs and browser consoles.
 */
export function bearerToken(req: FastifyRequest, allowSubprotocol = false): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    return m[1];
  }
  if (allowSubprotocol) {
    const offered = req.headers['sec-websocket-protocol'];
    const fromProtocol = offered
      ?.split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
    if (fromProtocol) return fromProtocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length) || undefined;
  }
  return undefined;
}

/**
 * preValidation of a WebSocket route: a `?token=` (once accepted on the events
 * socket) is refused before anything else, with where the token goes instead,
 * rather than as one more unknown query parameter.
 */
export async function refuseTokenInUrl(req: FastifyRequest): Promise<void> {
  if (Object.hasOwn((req.query as object | undefined) ?? {}, 'token')) {
    throw new AppError(
      'validation_failed',
      `a token does not go in the URL (URLs end up in logs): send it in the Authorization header ("Bearer <token>") or, from a browser, as the WebSocket subprotocol "${TOKEN_SUBPROTOCOL_PREFIX}<token>"`,
    );
  }
}

/** preHandler that sets `req.auth` or answers 401. */
export function requireAuth(auth: AuthService) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    req.auth = await auth.authenticate(bearerToken(req));
  };
}
