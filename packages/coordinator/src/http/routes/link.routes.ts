import { Empty } from '@gridshare/protocol';
import type { WebSocket } from 'ws';
import { bearerToken } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';
import { websocketOnly } from '../websocket-only.js';

/**
 * The agent link: one WebSocket per logged-in agent, carrying tunnel streams
 * (docs/api.md, "Agent link"). The token is checked before the upgrade, so a
 * refusal is a plain HTTP 401.
 */
export function linkRoutes(app: App, s: Services): void {
  app.route({
    method: 'GET',
    url: '/agent/link',
    preHandler: async (req) => {
      req.auth = await s.auth.authenticate(bearerToken(req));
    },
    schema: {
      tags: ['tunnels'],
      summary: 'WebSocket: the agent link — a JSON hello, then binary tunnel frames',
      security: BEARER,
      querystring: Empty,
      response: { ...ERRORS },
    },
    handler: websocketOnly,
    wsHandler: (socket: WebSocket, req) => {
      s.presence.trackSocket(socket, req.auth);
      s.tunnels.attachLink(socket, req.auth);
    },
  });
}
