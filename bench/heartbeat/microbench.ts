/**
 * CPU cost of one heartbeat request through each layer of the coordinator,
 * in one process with no sockets (fastify.inject), so background load on the
 * machine blurs it far less than the HTTP benchmark. Each variant adds one
 * layer to the previous one; then the coordinator with one piece removed at a
 * time (ablations.ts). Also the cost of the single operations on the hot path.
 * Writes nothing.
 *
 *   node --import tsx bench/heartbeat/microbench.ts [--requests N] [--trials N]
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { API_PREFIX, GridClient, HeartbeatRequest, HeartbeatResponse, PROTOCOL_VERSION, ProcessParams } from '@gridshare/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createCoordinator, type Coordinator } from '../../packages/coordinator/src/app.js';
import { loadConfig } from '../../packages/coordinator/src/config.js';
import { installErrorHandling } from '../../packages/coordinator/src/http/error-handler.js';
import { installJsonBody } from '../../packages/coordinator/src/http/json-body.js';
import { BEARER, ERRORS } from '../../packages/coordinator/src/http/route-context.js';
import { createMetrics } from '../../packages/coordinator/src/metrics.js';
import { hashToken } from '../../packages/coordinator/src/services/tokens.js';
import type { Database } from '../../packages/coordinator/src/store/database.js';
import { migrate } from '../../packages/coordinator/src/store/migrate.js';
import { openPglite } from '../../packages/coordinator/src/store/pglite.database.js';
import { ProcessesRepository } from '../../packages/coordinator/src/store/processes.repository.js';
import { applyPatches, PATCHES, type Patch } from './ablations.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`${name} must be a whole number from 1 to 1000000`);
  return v;
};
const REQUESTS = flag('--requests', 2000);
const TRIALS = flag('--trials', 15);
const ROWS = flag('--rows', 400);

const config = loadConfig({
  HOST: '127.0.0.1',
  PORT: '0',
  GRID_DATA_DIR: 'memory://',
  GRID_AUTH_RATE_LIMIT: '1000000',
  GRID_WEB_ROOT: join(tmpdir(), 'gridshare-bench-no-web-app'),
  LOG_LEVEL: 'info',
});
/** info-level pino writing to /dev/null, as in production but without the terminal. */
const newLogger = (): Logger =>
  pino({ level: 'info', base: { service: 'coordinator' } }, pino.destination({ dest: '/dev/null', sync: true }));
const answer = { status: 'online' as const, heartbeatIntervalMs: config.heartbeatIntervalMs, staleAfterMs: config.staleAfterMs };
const schema = {
  security: BEARER,
  params: ProcessParams,
  body: HeartbeatRequest,
  response: { 200: HeartbeatResponse, ...ERRORS },
};
const FASTIFY_AJV = { customOptions: { removeAdditional: false as const, coerceTypes: false, useDefaults: true, allErrors: false } };

interface Layer {
  label: string;
  app: FastifyInstance;
}

/** Fastify, the route, nothing else (no schema, no logger). */
async function bareNoSchema(): Promise<FastifyInstance> {
  const app = Fastify();
  app.post(`${API_PREFIX}/grids/:gridId/processes/:processId/heartbeat`, async () => answer);
  return app;
}

/** + the route's schemas: ajv validation of params and body, fast-json-stringify of the answer. */
async function bareSchema(logger?: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) } : {}),
    ajv: FASTIFY_AJV,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.post(`${API_PREFIX}/grids/:gridId/processes/:processId/heartbeat`, { schema }, async () => answer);
  return app;
}

/** + the coordinator's hooks and plugins (error handling, JSON body parser, metrics, protocol header, swagger, rate limit, websocket), no auth, no service. */
async function stack(): Promise<FastifyInstance> {
  const log = newLogger();
  const metrics = createMetrics(async () => ({ online: 0, offline: 0, stopped: 0 }));
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ajv: FASTIFY_AJV,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  installJsonBody(app);
  app.addHook('onResponse', async (req, reply) => {
    metrics.requestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-grid-protocol', PROTOCOL_VERSION);
    return payload;
  });
  await app.register(swagger, { openapi: { info: { title: 'stack', version: '1' } } });
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: 4096 } });
  await app.register(
    async (api) => {
      api.withTypeProvider<TypeBoxTypeProvider>().post('/grids/:gridId/processes/:processId/heartbeat', { preHandler: async () => {}, schema }, async () => answer);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

interface Fixture {
  token: string;
  gridId: string;
  processId: string;
}

/** A user, grid and process in the shared database, made through a coordinator's API. */
async function fixture(db: Database): Promise<Fixture> {
  const c = await createCoordinator(config, db, { logger: newLogger(), closeDatabase: false });
  const url = (await c.listen()).replace('localhost', '127.0.0.1');
  try {
    const anon = new GridClient({ baseUrl: url });
    const auth = await anon.signup({ username: `micro_${randomUUID().slice(0, 8)}`, password: 'correct horse battery staple', deviceName: 'pc' });
    const client = anon.withToken(auth.token);
    const { grid } = await client.createGrid({ name: 'micro' });
    const { process: p } = await client.registerProcess(grid.id, { name: 'worker' });
    return { token: auth.token, gridId: grid.id, processId: p.id };
  } finally {
    await c.close();
  }
}

async function coordinator(db: Database, patches: Patch[]): Promise<{ app: FastifyInstance; c: Coordinator }> {
  const log = newLogger();
  const c = await createCoordinator(config, db, { logger: log, closeDatabase: false });
  applyPatches(c, log, patches);
  return { app: c.app as unknown as FastifyInstance, c };
}

/** CPU µs per call of `fn`, the lowest of the trials. */
async function cpuPerCall(fn: () => unknown, n: number): Promise<number> {
  const a = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const b = process.cpuUsage(a);
  return (b.user + b.system) / n;
}

function nsPerOp(fn: (i: number) => unknown, n = 200_000): number {
  let best = Infinity;
  for (let t = 0; t < 5; t++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return best;
}

/**
 * The coalesced flush on PGlite (on disk): one recordHeartbeats of ROWS
 * processes, as the benchmark's load makes it every 250 ms, and how the
 * partial index on last_heartbeat_at and the health column weigh on it.
 */
async function flushCost(): Promise<[string, number][]> {
  const dir = await mkdtemp(join(tmpdir(), 'gridshare-flush-'));
  const db = await openPglite(join(dir, 'pglite'));
  try {
    await migrate(db);
    const user = randomUUID();
    const device = randomUUID();
    const grid = randomUUID();
    await db.query(`INSERT INTO users (id, username, username_key, password_hash) VALUES ($1, 'u', 'u', 'x')`, [user]);
    await db.query(`INSERT INTO devices (id, user_id, name) VALUES ($1, $2, 'pc')`, [device, user]);
    await db.query(`INSERT INTO grids (id, name, created_by) VALUES ($1, 'g', $2)`, [grid, user]);
    const ids = Array.from({ length: ROWS }, () => randomUUID());
    for (const id of ids) {
      await db.query(`INSERT INTO grid_processes (id, grid_id, host_device_id, host_user_id, name, status) VALUES ($1, $2, $3, $4, 'p', 'online')`, [
        id,
        grid,
        device,
        user,
      ]);
    }
    const repo = new ProcessesRepository(db);
    let seq = 0;
    const run = async (withHealth: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        seq++;
        const beats = ids.map((id) => ({
          id,
          health: withHealth ? { alive: true, pid: 4242, uptimeSeconds: seq, cpuPercent: 1.5, rssBytes: 104857600 } : undefined,
        }));
        const t0 = process.hrtime.bigint();
        await repo.recordHeartbeats(beats);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!; // median ms
    };
    await db.exec('VACUUM ANALYZE');
    const out: [string, number][] = [];
    out.push([`flush of ${ROWS} rows with health (as in the benchmark)`, await run(true)]);
    out.push([`flush of ${ROWS} rows, no health`, await run(false)]);
    await db.exec('DROP INDEX grid_processes_deadline');
    await db.exec('VACUUM ANALYZE');
    out.push([`flush of ${ROWS} rows with health, without the index on last_heartbeat_at`, await run(true)]);
    return out;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const flush = await flushCost();
  process.stdout.write(`PGlite (data directory on disk), median of 40 flushes:\n\n| Flush | ms | µs per row |\n|---|---:|---:|\n`);
  for (const [label, ms] of flush) process.stdout.write(`| ${label} | ${ms.toFixed(1)} | ${((ms * 1000) / ROWS).toFixed(0)} |\n`);
  process.stdout.write('\n');

  const db = await openPglite('memory://');
  await migrate(db);
  const f = await fixture(db);
  let seq = 0;
  const request = () => ({
    method: 'POST' as const,
    url: `${API_PREFIX}/grids/${f.gridId}/processes/${f.processId}/heartbeat`,
    headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
    payload: `{"health":{"alive":true,"pid":4242,"uptimeSeconds":${++seq},"cpuPercent":1.5,"rssBytes":104857600}}`,
  });

  const layers: Layer[] = [
    { label: 'Fastify + route, no schema, no logger', app: await bareNoSchema() },
    { label: '+ params/body/response schemas', app: await bareSchema() },
    { label: '+ pino logger (child per request)', app: await bareSchema(newLogger()) },
    { label: '+ coordinator hooks and plugins (no auth, no service)', app: await stack() },
  ];
  const coordinators: { label: string; app: FastifyInstance; c: Coordinator }[] = [
    { label: 'coordinator (auth, token cache, ProcessService.heartbeat)', ...(await coordinator(db, [])) },
  ];
  for (const p of Object.keys(PATCHES) as Patch[]) {
    if (p === 'flush-1000ms' || p === 'no-flush') continue;
    coordinators.push({ label: `coordinator [${p}]`, ...(await coordinator(db, [p])) });
  }
  coordinators.push({
    label: 'coordinator [all of the above]',
    ...(await coordinator(db, (Object.keys(PATCHES) as Patch[]).filter((p) => p !== 'flush-1000ms' && p !== 'no-flush'))),
  });
  const all = [...layers, ...coordinators];
  for (const l of all) {
    await l.app.ready();
    const res = await l.app.inject(request());
    if (res.statusCode !== 200) throw new Error(`${l.label}: HTTP ${res.statusCode} ${res.body}`);
    for (let i = 0; i < 2000; i++) await l.app.inject(request()); // JIT
  }
  // Trials interleaved across variants, so drift in the machine's load hits all alike; the lowest counts.
  const best = new Map<string, number>();
  for (let t = 0; t < TRIALS; t++) {
    for (const l of all) {
      const us = await cpuPerCall(() => l.app.inject(request()), REQUESTS);
      best.set(l.label, Math.min(best.get(l.label) ?? Infinity, us));
    }
  }
  const base = best.get(coordinators[0]!.label)!;
  process.stdout.write(`CPU per heartbeat request through fastify.inject (no sockets), lowest of ${TRIALS} trials × ${REQUESTS}:\n\n`);
  process.stdout.write('| Variant | µs/request | Δ |\n|---|---:|---:|\n');
  let prev: number | undefined;
  for (const l of layers) {
    const us = best.get(l.label)!;
    process.stdout.write(`| ${l.label} | ${us.toFixed(1)} | ${prev === undefined ? '' : `+${(us - prev).toFixed(1)}`} |\n`);
    prev = us;
  }
  for (const l of coordinators) {
    const us = best.get(l.label)!;
    const d = l === coordinators[0] ? `+${(us - prev!).toFixed(1)} vs the layer above` : `${(us - base).toFixed(1)} vs coordinator`;
    process.stdout.write(`| ${l.label} | ${us.toFixed(1)} | ${d} |\n`);
  }

  // Single operations on the hot path.
  const c0 = coordinators[0]!.c;
  const token = f.token;
  const health = (i: number) => ({ alive: true, pid: 4242, uptimeSeconds: i, cpuPercent: 1.5, rssBytes: 104857600 });
  const log = newLogger();
  const ctx = await c0.services.auth.authenticate(token);
  const ops: [string, number][] = [
    ['hashToken (SHA-256 of the bearer token, hex)', nsPerOp(() => hashToken(token))],
    ['pino child logger ({reqId})', nsPerOp((i) => log.child({ reqId: `req-${i}` }))],
    [
      'prom-client histogram observe (3 labels)',
      nsPerOp(() =>
        c0.services.metrics.requestDuration.observe({ method: 'POST', route: '/api/v1/grids/:gridId/processes/:processId/heartbeat', status: 200 }, 0.0004),
      ),
    ],
    ['JSON.stringify(health) (accept compares health by string)', nsPerOp((i) => JSON.stringify(health(i)))],
    ['new Date().toISOString()', nsPerOp(() => new Date().toISOString())],
  ];
  const asyncOps: [string, () => Promise<unknown>][] = [
    ['AuthService.authenticate, cache hit (incl. hashToken)', () => c0.services.auth.authenticate(token)],
    ['ProcessService.heartbeat, known process, health changed', () => c0.services.processes.heartbeat(ctx, f.gridId, f.processId, { health: health(++seq) })],
    ['ProcessService.heartbeat, known process, same health', () => c0.services.processes.heartbeat(ctx, f.gridId, f.processId, { health: health(1) })],
  ];
  for (const [label, fn] of asyncOps) {
    for (let i = 0; i < 5000; i++) await fn();
    let bestNs = Infinity;
    for (let t = 0; t < 5; t++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 50_000; i++) await fn();
      bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0) / 50_000);
    }
    ops.push([label, bestNs]);
  }
  process.stdout.write('\n| Operation | ns/op |\n|---|---:|\n');
  for (const [label, ns] of ops) process.stdout.write(`| ${label} | ${Math.round(ns)} |\n`);

  for (const l of all) await l.app.close();
  await db.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`microbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
