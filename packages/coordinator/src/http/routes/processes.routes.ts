import {
  Empty,
  GridIdParams,
  HeartbeatRequest,
  HeartbeatResponse,
  ListProcessesQuery,
  ProcessHistoryResponse,
  ProcessListResponse,
  ProcessParams,
  ProcessResponse,
  RegisterProcessRequest,
  UnregisterRequest,
} from '@gridshare/protocol';
import { requireAuth } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';

/** The design note's contract: these paths, methods and status codes. */
export function processRoutes(app: App, s: Services): void {
  const preHandler = requireAuth(s.auth);
  const tags = ['processes'];

  app.post(
    '/grids/:gridId/processes',
    {
      preHandler,
      schema: {
        tags,
        summary: 'Register a process hosted by this device (201; 200 when the same id comes back)',
        security: BEARER,
        params: GridIdParams,
        body: RegisterProcessRequest,
        response: { 200: ProcessResponse, 201: ProcessResponse, ...ERRORS },
      },
    },
    async (req, reply) => {
      const { process, created } = await s.processes.register(req.auth, req.params.gridId, req.body);
      return reply.status(created ? 201 : 200).send({ process });
    },
  );

  app.post(
    '/grids/:gridId/processes/:processId/heartbeat',
    {
      preHandler,
      schema: {
        tags,
        summary: 'Heartbeat a process (host device only); 404 process_not_found means register again, 410 process_stopped means stop it',
        security: BEARER,
        params: ProcessParams,
        body: HeartbeatRequest,
        response: { 200: HeartbeatResponse, ...ERRORS },
      },
    },
    async (req) => s.processes.heartbeat(req.auth, req.params.gridId, req.params.processId, req.body),
  );

  app.delete(
    '/grids/:gridId/processes/:processId',
    {
      preHandler,
      schema: {
        tags,
        summary: 'Unregister (host device) or force-stop (owner/admin) a process',
        security: BEARER,
        params: ProcessParams,
        body: UnregisterRequest,
        response: { 200: ProcessResponse, ...ERRORS },
      },
    },
    async (req) => ({ process: await s.processes.unregister(req.auth, req.params.gridId, req.params.processId, req.body) }),
  );

  app.get(
    '/grids/:gridId/processes',
    {
      preHandler,
      schema: { tags, summary: "A grid's processes from every PC", security: BEARER, params: GridIdParams, querystring: ListProcessesQuery, response: { 200: ProcessListResponse, ...ERRORS } },
    },
    async (req) => ({ processes: await s.processes.list(req.auth, req.params.gridId, req.query.status) }),
  );

  app.get(
    '/grids/:gridId/processes/:processId',
    { preHandler, schema: { tags, summary: 'One process', security: BEARER, params: ProcessParams, querystring: Empty, response: { 200: ProcessResponse, ...ERRORS } } },
    async (req) => ({ process: await s.processes.get(req.auth, req.params.gridId, req.params.processId) }),
  );

  app.get(
    '/grids/:gridId/processes/:processId/events',
    { preHandler, schema: { tags, summary: "A process's recent state changes, newest first (at most 100)", security: BEARER, params: ProcessParams, querystring: Empty, response: { 200: ProcessHistoryResponse, ...ERRORS } } },
    async (req) => ({ events: await s.processes.historyOf(req.auth, req.params.gridId, req.params.processId) }),
  );
}
