import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  type AjvIssue,
  AgentStatus,
  describeValidation,
  CreateGridRequest,
  CreateInviteRequest,
  Empty,
  DeviceListResponse,
  GridDetailResponse,
  GridListResponse,
  GridResponse,
  GridRef,
  InviteResponse,
  JoinRequest,
  LocalProcessResponse,
  LoginRequest,
  LogoutResponse,
  ProcessRef,
  ProcessSelector,
  PsResponse,
  RunRequest,
  RevokeDeviceRequest,
  SetPrivateRequest,
  ShareRequest,
  WhoAmI,
  WhoAmIResponse,
} from '@gridshare/protocol';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, LogController } from 'fastify';
import { chmod, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Agent } from '../daemon/agent.js';
import { pickGrid, resolveGrid } from '../daemon/grid-resolver.js';
import { AgentError, fromApiError } from '../errors.js';
import { outLogPath } from '../supervisor/process-runner.js';
import { streamLog, tailLines } from './logs.js';
import { tunnelRoutes } from './tunnel.routes.js';
import { watchGrids } from './watch.js';

const GridBody = Type.Object({ grid: GridRef }, { additionalProperties: false });
/** The coordinator's invite request, and which grid. */
const InviteBody = Type.Composite([Type.Object({ grid: GridRef }), CreateInviteRequest], { additionalProperties: false });
const LogsQuery = Type.Object(
  {
    process: ProcessRef,
    grid: Type.Optional(GridRef),
    lines: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
    follow: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  },
  { additionalProperties: false },
);
const PsQuery = Type.Object(
  { grid: Type.Optional(GridRef), all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);

/** The agent's local API on a unix socket (mode 0600): what the `grid` CLI talks to. */
export async function startLocalApi(agent: Agent, socketPath: string, log: Logger) {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    // Closing cuts the long-lived requests too (grid connect, logs -f, ps --watch): the agent stops when asked, not when they end.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = fromApiError(err);
    if (e instanceof AgentError) return reply.status(e.status).send({ error: { code: e.code, message: e.message } });
    if (err.validation) return reply.status(400).send({ error: { code: 'validation_failed', message: describeValidation(err.validation as AjvIssue[], err.validationContext) } });
    if (err.statusCode && err.statusCode < 500) return reply.status(err.statusCode).send({ error: { code: 'validation_failed', message: err.message } });
    req.log.error({ err }, 'local API error');
    return reply.status(500).send({ error: { code: 'internal_error', message: err.message } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } }));

  const c = () => agent.client();
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw fromApiError(err);
    }
  };

  app.get('/v1/status', { schema: { response: { 200: AgentStatus } } }, async () => agent.status());
  app.post('/v1/login', { schema: { body: LoginRequest, response: { 200: WhoAmI } } }, async (req) => agent.login(req.body));
  app.post('/v1/logout', { schema: { body: Empty, response: { 200: LogoutResponse } } }, async () => agent.logout());
  app.get('/v1/whoami', { schema: { response: { 200: WhoAmIResponse } } }, async () => agent.identity());
  app.get('/v1/devices', { schema: { response: { 200: DeviceListResponse } } }, async () => call(() => c().listDevices()));
  app.post('/v1/devices/revoke', { schema: { body: RevokeDeviceRequest, response: { 200: DeviceListResponse } } }, async (req) => {
    const client = c();
    const { devices } = await call(() => client.listDevices());
    const ref = req.body.device.trim().toLowerCase();
    const found = devices.filter((d) => d.id === ref || d.name.toLowerCase() === ref);
    if (found.length === 0) throw new AgentError('device_not_found', `no logged-in device of yours called '${req.body.device}' (see \`grid devices\`)`);
    if (found.length > 1) throw new AgentError('device_ambiguous', `${found.length} of your devices are called '${req.body.device}'; use the id: ${found.map((d) => d.id).join(', ')}`);
    const device = found[0]!;
    if (device.current) throw new AgentError('validation_failed', 'that is this PC; to log it out, run `grid logout`');
    await call(() => client.revokeDevice(device.id));
    return { devices: [device] };
  });

  app.get('/v1/grids', { schema: { response: { 200: GridListResponse } } }, async () => call(() => c().listGrids()));
  app.post('/v1/grids', { schema: { body: CreateGridRequest, response: { 201: GridResponse } } }, async (req, reply) =>
    reply.status(201).send(await call(() => c().createGrid(req.body))),
  );
  app.post('/v1/invites', { schema: { body: InviteBody, response: { 201: InviteResponse } } }, async (req, reply) => {
    const { grid, ...opts } = req.body;
    const g = await resolveGrid(c(), grid);
    return reply.status(201).send(await call(() => c().createInvite(g.id, opts)));
  });
  app.post('/v1/join', { schema: { body: JoinRequest, response: { 200: GridResponse } } }, async (req) => call(() => c().join(req.body.code)));
  app.get('/v1/members', { schema: { querystring: GridBody, response: { 200: GridDetailResponse } } }, async (req) => {
    const g = await resolveGrid(c(), req.query.grid);
    return call(() => c().getGrid(g.id));
  });
  app.post('/v1/leave', { schema: { body: GridBody } }, async (req, reply) => {
    const client = c();
    const g = pickGrid((await call(() => client.listGrids())).grids, req.body.grid);
    await call(() => client.removeMember(g.id, agent.whoami().user.id));
    return reply.status(204).send();
  });

  app.post('/v1/run', { schema: { body: RunRequest, response: { 201: LocalProcessResponse } } }, async (req, reply) =>
    reply.status(201).send({ process: await agent.run(req.body) }),
  );
  app.post('/v1/share', { schema: { body: ShareRequest, response: { 201: LocalProcessResponse } } }, async (req, reply) =>
    reply.status(201).send({ process: await agent.share(req.body) }),
  );
  app.post('/v1/stop', { schema: { body: ProcessSelector, response: { 200: LocalProcessResponse } } }, async (req) => ({
    process: await agent.stopProcess(req.body),
  }));
  app.post('/v1/private', { schema: { body: SetPrivateRequest, response: { 200: LocalProcessResponse } } }, async (req) => ({
    process: await agent.setPrivate({ process: req.body.process, ...(req.body.grid ? { grid: req.body.grid } : {}) }, req.body.private),
  }));
  app.post('/v1/restart', { schema: { body: ProcessSelector, response: { 200: LocalProcessResponse } } }, async (req) => ({
    process: await agent.restartProcess(req.body),
  }));
  app.post('/v1/rm', { schema: { body: ProcessSelector, response: { 200: LocalProcessResponse } } }, async (req) => ({
    process: await agent.removeProcess(req.body),
  }));
  app.get('/v1/ps', { schema: { querystring: PsQuery, response: { 200: PsResponse } } }, async (req) =>
    agent.ps(req.query.grid, req.query.all === 'true'),
  );
  app.get('/v1/logs', { schema: { querystring: LogsQuery } }, async (req, reply) => {
    const mp = await agent.select({ process: req.query.process, ...(req.query.grid ? { grid: req.query.grid } : {}) }, 'prefer-active');
    const path = outLogPath(agent.config.paths.logsDir, mp.id);
    const lines = req.query.lines ? Number(req.query.lines) : 50;
    reply.type('text/plain; charset=utf-8');
    if (req.query.follow !== 'true') return tailLines(path, lines);
    return reply.send(streamLog(path, lines, req.raw));
  });
  app.get('/v1/watch', { schema: { querystring: Type.Object({ grid: Type.Optional(GridRef) }, { additionalProperties: false }) } }, async (req, reply) => {
    const client = c();
    const grids = req.query.grid ? [await resolveGrid(client, req.query.grid)] : (await call(() => client.listGrids())).grids;
    reply.type('application/x-ndjson');
    return reply.send(watchGrids(client, grids.map((g) => g.id), req.raw));
  });

  tunnelRoutes(app, agent);

  await rm(socketPath, { force: true });
  await app.listen({ path: socketPath });
  await chmod(socketPath, 0o600);
  return app;
}
