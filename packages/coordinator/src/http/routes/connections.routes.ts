import {
  CloseConnectionsResponse,
  ConnectionListQuery,
  ConnectionListResponse,
  ConnectionParams,
  Empty,
  NoContent,
  ProcessParams,
} from '@gridshare/protocol';
import { requireAuth } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';

/** Connections through the relay to a process: the host (or an owner/admin) sees and closes them. */
export function connectionRoutes(app: App, s: Services): void {
  const preHandler = requireAuth(s.auth);
  const tags = ['tunnels'];

  app.get(
    '/grids/:gridId/processes/:processId/connections',
    {
      preHandler,
      schema: { tags, summary: "A process's connections through the relay, newest first (host, owner, admin)", security: BEARER, params: ProcessParams, querystring: ConnectionListQuery, response: { 200: ConnectionListResponse, ...ERRORS } },
    },
    async (req) => ({ connections: await s.tunnels.list(req.auth, req.params.gridId, req.params.processId, req.query.state === 'open') }),
  );

  app.delete(
    '/grids/:gridId/processes/:processId/connections',
    {
      preHandler,
      schema: { tags, summary: 'Close every open connection to a process (host, owner, admin)', security: BEARER, params: ProcessParams, body: Empty, response: { 200: CloseConnectionsResponse, ...ERRORS } },
    },
    async (req) => ({ closed: await s.tunnels.closeAll(req.auth, req.params.gridId, req.params.processId) }),
  );

  app.delete(
    '/grids/:gridId/processes/:processId/connections/:connectionId',
    {
      preHandler,
      schema: { tags, summary: 'Close one connection (host, owner, admin)', security: BEARER, params: ConnectionParams, body: Empty, response: { 204: NoContent, ...ERRORS } },
    },
    async (req, reply) => {
      await s.tunnels.closeOne(req.auth, req.params.gridId, req.params.processId, req.params.connectionId);
      return reply.status(204).send(null);
    },
  );
}
