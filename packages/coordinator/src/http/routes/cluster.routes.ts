import { Empty, isUuid } from '@gridshare/protocol';
import type { WebSocket } from 'ws';
import { AppError } from '../../errors.js';
import { PEER_HEADER } from '../../realtime/peer-link.js';
import { type App, ERRORS, type Services } from '../route-context.js';
import { websocketOnly } from '../websocket-only.js';


/**
 * The peer link: another coordinator of the same database opens streams here
 * to hosts whose agent links are here (docs/architecture.md, "Several
 * coordinators"). It presents this coordinator's secret from the database.
 */
export function clusterRoutes(app: App, s: Services): void {
  app.route({
    method: 'GET',
    url: '/cluster/link',
    preHandler: async (req) => {
      const peer = req.headers[PEER_HEADER];
      if (!s.tunnels.peers.isPeer(req.headers.authorization) || typeof peer !== 'string' || !isUuid(peer)) {
        throw new AppError('unauthorized', 'only another coordinator of the same database may open a peer link');
      }
    },
    schema: { hide: true, querystring: Empty, response: { ...ERRORS } },
    handler: websocketOnly,
    wsHandler: (socket: WebSocket, req) => s.tunnels.attachPeer(socket, req.headers[PEER_HEADER] as string),
  });
}
