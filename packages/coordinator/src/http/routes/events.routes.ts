import { GridIdParams } from '@gridshare/protocol';
import type { WebSocket } from 'ws';
import { AppError } from '../../errors.js';
import { EventsSocket, MAX_EVENT_SOCKETS_PER_TOKEN } from '../../realtime/events-socket.js';
import { bearerToken, refuseTokenInUrl } from '../authenticate.js';
import { type App, ERRORS, type Services } from '../route-context.js';
import { websocketOnly } from '../websocket-only.js';

export function eventRoutes(app: App, s: Services): void {
  app.route({
    method: 'GET',
    url: '/grids/:gridId/events',
    // handler + wsHandler (rather than websocket: true, which hides the route from the OpenAPI document).
    // Auth and membership are checked before the upgrade, so a refusal is a plain HTTP 400/401/404.
    preValidation: refuseTokenInUrl,
    preHandler: async (req) => {
      req.auth = await s.auth.authenticate(bearerToken(req, true));
      await s.access.requireMember((req.params as GridIdParams).gridId, req.auth.user.id);
      if (s.bus.socketsOf(req.auth.tokenHash) >= MAX_EVENT_SOCKETS_PER_TOKEN) {
        throw new AppError('rate_limited', `this device already has ${MAX_EVENT_SOCKETS_PER_TOKEN} event streams open here; close some first`);
      }
    },
    // No querystring: the API's default (none) applies.
    schema: {
      tags: ['events'],
      summary: 'WebSocket: a snapshot, then one message per process or member change',
      params: GridIdParams,
      response: { ...ERRORS },
    },
    // A plain GET (no upgrade) gets an answer in our error shape.
    handler: websocketOnly,
    wsHandler: (socket: WebSocket, req) => {
      const { gridId } = req.params as GridIdParams;
      new EventsSocket(socket, gridId, req.auth, {
        bus: s.bus,
        loadSnapshot: (id, userId) => s.grids.snapshot(id, userId),
        pingIntervalMs: s.config.wsPingIntervalMs,
        log: req.log,
      });
      // A browser is a device too: online while it watches a grid.
      s.presence.trackSocket(socket, req.auth);
    },
  });
}
