import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { API_PREFIX, HeartbeatRequest, HeartbeatResponse, PROTOCOL_VERSION, ProcessParams } from '@gridshare/protocol';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../../packages/coordinator/src/config.js';
import { AppError, processNotFound } from '../../packages/coordinator/src/errors.js';
import { bearerToken } from '../../packages/coordinator/src/http/authenticate.js';
import { createHttpServer } from '../../packages/coordinator/src/http/server.js';
import { BEARER, ERRORS } from '../../packages/coordinator/src/http/route-context.js';
import { createMetrics } from '../../packages/coordinator/src/metrics.js';
import { hashToken } from '../../packages/coordinator/src/services/tokens.js';
import { AccountsRepository } from '../../packages/coordinator/src/store/accounts.repository.js';
import type { Database } from '../../packages/coordinator/src/store/database.js';
import { ProcessesRepository } from '../../packages/coordinator/src/store/processes.repository.js';

/**
 * The design we did not pick, for comparison: the same Fastify stack, plugins,
 * hooks and route schema as the coordinator, but every heartbeat request looks
 * its token up in the database and writes one UPDATE before it is answered.
 * (It is flattered: a real one would also have to check that the process is in
 * that grid and hosted by that device; recordHeartbeat checks only the id.)
 */
export async function createNaiveServer(config: CoordinatorConfig, db: Database, log: Logger): Promise<FastifyInstance> {
  const accounts = new AccountsRepository(db);
  const processes = new ProcessesRepository(db);
  const metrics = createMetrics(() => processes.countByStatus());
  const answer = Object.freeze({
    status: 'online' as const,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    staleAfterMs: config.staleAfterMs,
  });

  // The coordinator's own HTTP stack (validation, errors, JSON bodies, metrics hook, protocol header).
  const app = createHttpServer(config, log, metrics);
  await app.register(swagger, { openapi: { info: { title: 'naive heartbeat server', version: `${PROTOCOL_VERSION}` } } });
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: 4096 } });

  await app.register(
    async (api) => {
      const typed = api.withTypeProvider<TypeBoxTypeProvider>();
      typed.post(
        '/grids/:gridId/processes/:processId/heartbeat',
        {
          // A token lookup per request: no cache.
          preHandler: async (req) => {
            const token = bearerToken(req);
            if (!token) throw new AppError('unauthorized', 'sign in first: no bearer token was sent');
            const tokenHash = hashToken(token);
            const principal = await accounts.findPrincipalByTokenHash(tokenHash);
            if (!principal) throw new AppError('unauthorized', 'this token is unknown or was revoked; log in again');
            req.auth = { ...principal, tokenHash };
          },
          schema: {
            tags: ['processes'],
            security: BEARER,
            params: ProcessParams,
            body: HeartbeatRequest,
            response: { 200: HeartbeatResponse, ...ERRORS },
          },
        },
        // One UPDATE per heartbeat, awaited before the answer.
        async (req) => {
          if (!(await processes.recordHeartbeat(req.params.processId, req.body.health))) throw processNotFound();
          metrics.heartbeats.inc();
          return answer;
        },
      );
    },
    { prefix: API_PREFIX },
  );
  return app;
}
