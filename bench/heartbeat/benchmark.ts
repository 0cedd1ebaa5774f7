import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPglite } from '../../packages/coordinator/src/store/pglite.database.js';
import { createTestPostgres } from '../../packages/coordinator/src/testing/engines.js';
import { createFixtures } from './fixtures.js';
import type { FromServer, ServerSpec, ToServer, Usage } from './ipc.js';
import { LoadDriver, percentile, type AckState, type Target } from './load.js';
import type { Patch } from './ablations.js';
import { DESIGNS, type BenchOptions, type Design, type Engine } from './options.js';

export interface Durability {
  /** Processes whose last acknowledged heartbeat was checked (all that got one). */
  checked: number;
  /** When, after the load stopped, the database first held every one of them (null: not within the limit). */
  visibleAfterMs: number | null;
  /** After the server was killed (SIGKILL, no shutdown flush) at the limit, the database still held every one. */
  durable: boolean;
  failures: number;
  firstFailure?: string;
}

export interface DesignResult {
  /** The design's name, or an experiment's (ablate.ts). */
  label: string;
  design: Design;
  heartbeatsPerSec: number;
  /** Heartbeats/s of each measured slice, in round order. */
  perRound: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answered 200 in the measured window. */
  ok: number;
  /** Failed requests, warm-up included. */
  errors: number;
  errorSamples: string[];
  sockets: number;
  /** Server process CPU (user + system) over the measured window, % of one core. */
  serverCpuPct: number;
  serverCpuUsPerHeartbeat: number;
  /** The load generator's CPU (the benchmark's process) per heartbeat, over the measured window. */
  clientCpuUsPerHeartbeat: number;
  /** Server event-loop utilization over the measured window (0–1). */
  serverElu: number;
  /** Not for the ceiling, which has no database. */
  durability?: Durability;
  /** The coordinator's own flush metrics over the server's life (ours only). */
  flush?: FlushStats;
}

export interface FlushStats {
  /** Flushes that wrote something. */
  count: number;
  meanMs: number;
  /** Heartbeats the coordinator accepted, warm-up and idle phases included. */
  heartbeats: number;
}

/** A server to measure: one of the designs, perhaps with experiments applied (ablate.ts). */
export interface Variant {
  label: string;
  design: Design;
  patches?: Patch[];
}

export const STANDARD_VARIANTS: readonly Variant[] = DESIGNS.map((design) => ({ label: design, design }));

export interface EngineResult {
  engine: Engine;
  /** Why this engine was not measured. */
  skipped?: string;
  storage: string;
  processes: number;
  designs: DesignResult[];
}

export interface MachineInfo {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  pglite: string;
  fastify: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine). */
  loadAverage: [number, number];
}

export interface BenchResult {
  startedAt: string;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  concurrency: number;
  devices: number;
  processesPerDevice: number;
  durableWithinMs: number;
  clockToleranceMs: number;
  machine: MachineInfo;
  engines: EngineResult[];
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_ENTRY = join(HERE, 'server.ts');
const TSX = import.meta.resolve('tsx');
const ADMIN_URL = process.env.GRID_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(loadAtStart: number): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    pglite: packageVersion('@electric-sql/pglite'),
    fastify: packageVersion('fastify'),
    loadAverage: [loadAtStart, os.loadavg()[0] ?? 0],
  };
}

/** A server under test in its own process. */
class ServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: Extract<FromServer, { type: 'reply' }>) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.on('message', (raw) => {
      const msg = raw as FromServer;
      if (msg.type !== 'reply') return;
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (!w) return;
      if (msg.error !== undefined) w.reject(new Error(msg.error));
      else w.resolve(msg);
    });
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`server exited (${signal ?? code}); log: ${this.logPath}`));
      this.waiting.clear();
    });
  }

  static async start(spec: ServerSpec, logPath: string): Promise<ServerProcess> {
    const log = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = fork(SERVER_ENTRY, [], {
        cwd: ROOT,
        execArgv: ['--import', TSX],
        env: { ...process.env, BENCH_SERVER: JSON.stringify(spec) },
        stdio: ['ignore', log, log, 'ipc'],
      });
    } finally {
      closeSync(log);
    }
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${spec.design} server did not start within 60 s; log: ${logPath}`));
      }, 60_000);
      child.on('message', (raw) => {
        const msg = raw as FromServer;
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(msg.url);
        } else if (msg.type === 'fatal') {
          clearTimeout(timer);
          reject(new Error(`${spec.design} server failed to start: ${msg.error}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.design} server exited (${signal ?? code}) before it was ready; log: ${logPath}`));
      });
    });
    return new ServerProcess(child, url, logPath);
  }

  private call(msg: DistributiveOmit<Exclude<ToServer, { type: 'stop' }>, 'id'>, timeoutMs = 30_000): Promise<Extract<FromServer, { type: 'reply' }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`server did not answer '${msg.type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...msg, id } as ToServer);
    });
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return ((await this.call({ type: 'query', sql, params })).rows ?? []) as R[];
  }

  async usage(): Promise<Usage> {
    const u = (await this.call({ type: 'usage' })).usage;
    if (!u) throw new Error('server sent no usage');
    return u;
  }

  async profileStart(): Promise<void> {
    await this.call({ type: 'profile-start' });
  }

  async profileStop(path: string): Promise<void> {
    await this.call({ type: 'profile-stop', path }, 60_000);
  }

  /** Graceful: the server closes as it would on SIGTERM (the coordinator flushes what is pending). */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToServer);
    const killed = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(killed);
  }

  /** A crash: nothing in memory survives. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One database (or data directory) and a way to read it with no server running. */
interface Store {
  spec: Pick<ServerSpec, 'dataDir' | 'databaseUrl'>;
  queryDirect<R>(sql: string, params: unknown[]): Promise<R[]>;
  cleanup(): Promise<void>;
}

/** Where one engine's data lives. `clone` copies the base (which no server may have open). */
interface EngineStorage {
  engine: Engine;
  describe: string;
  base: Store;
  clone(suffix: string): Promise<Store>;
}

async function postgresProblem(): Promise<string | null> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${ADMIN_URL.replace(/\/\/[^@/]*@/, '//…@')} is not reachable: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

function pgliteStore(dataDir: string, keep: boolean): Store {
  return {
    spec: { dataDir },
    async queryDirect<R>(sql: string, params: unknown[]) {
      const db = await openPglite(dataDir);
      try {
        return await db.query<R>(sql, params);
      } finally {
        await db.close();
      }
    },
    async cleanup() {
      if (!keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function postgresStore(url: string, drop: () => Promise<void>): Store {
  return {
    spec: { databaseUrl: url },
    async queryDirect<R>(sql: string, params: unknown[]) {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as R[];
      } finally {
        await c.end();
      }
    },
    cleanup: drop,
  };
}

async function openStorage(engine: Engine, workDir: string, keep: boolean): Promise<EngineStorage> {
  if (engine === 'pglite') {
    const dataDir = join(workDir, 'pglite');
    return {
      engine,
      describe: `PGlite ${packageVersion('@electric-sql/pglite')}, data directory on disk under ${os.tmpdir()}`,
      base: pgliteStore(dataDir, keep),
      async clone(suffix) {
        const copy = `${dataDir}-${suffix}`;
        await cp(dataDir, copy, { recursive: true });
        return pgliteStore(copy, keep);
      },
    };
  }
  const temp = await createTestPostgres();
  const base = postgresStore(temp.url, () => temp.drop());
  const [v] = await base.queryDirect<{ server_version: string }>('SHOW server_version', []);
  const name = new URL(temp.url).pathname.slice(1);
  return {
    engine,
    describe: `PostgreSQL ${v?.server_version.split(' ')[0] ?? '?'} on this machine (throwaway databases, dropped afterwards)`,
    base,
    async clone(suffix) {
      const copy = `${name}_${suffix.replace(/\W/g, '')}`;
      await adminQuery(`CREATE DATABASE ${copy} TEMPLATE ${name}`);
      const url = new URL(temp.url);
      url.pathname = `/${copy}`;
      return postgresStore(url.toString(), () => adminQuery(`DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`));
    },
  };
}

interface Row {
  id: string;
  at_ms: number;
  seq: number | null;
}

const SAMPLE_SQL = `SELECT id::text AS id, (extract(epoch FROM last_heartbeat_at) * 1000)::float8 AS at_ms,
       (health->>'uptimeSeconds')::float8 AS seq
  FROM grid_processes WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)`;

function evaluate(rows: Row[], acks: Map<string, AckState>, toleranceMs: number): { failures: number; first?: string } {
  const byId = new Map(rows.map((r) => [r.id, r]));
  let failures = 0;
  let first: string | undefined;
  for (const [id, ack] of acks) {
    const r = byId.get(id);
    let problem: string | undefined;
    if (!r) problem = `process ${id} is missing`;
    else if (Number(r.at_ms) < ack.sentAtMs - toleranceMs) {
      problem = `process ${id}: last_heartbeat_at is ${(ack.sentAtMs - Number(r.at_ms)).toFixed(1)} ms before its last acknowledged heartbeat was sent`;
    } else if (r.seq === null || Number(r.seq) < ack.seq) problem = `process ${id}: health of heartbeat #${r.seq} stored, #${ack.seq} acknowledged`;
    if (problem) {
      failures++;
      first ??= problem;
    }
  }
  return first === undefined ? { failures } : { failures, first };
}

/**
 * After the load stops: poll until the database holds every acknowledged
 * heartbeat (time and health), then at the limit kill the server outright and
 * check again with the database opened afresh.
 */
async function checkDurability(server: ServerProcess, store: Store, acks: Map<string, AckState>, stoppedAt: number, o: BenchOptions): Promise<Durability> {
  const ids = JSON.stringify([...acks.keys()]);
  const deadline = stoppedAt + o.durableWithinMs;
  let visibleAfterMs: number | null = null;
  for (let i = 0; i < 10_000 && performance.now() < deadline; i++) {
    const rows = await server.query<Row>(SAMPLE_SQL, [ids]);
    const at = performance.now();
    if (at <= deadline && evaluate(rows, acks, o.clockToleranceMs).failures === 0) {
      visibleAfterMs = at - stoppedAt;
      break;
    }
    await sleep(20);
  }
  const wait = deadline - performance.now();
  if (wait > 0) await sleep(wait);
  await server.kill();
  const after = evaluate(await store.queryDirect<Row>(SAMPLE_SQL, [ids]), acks, o.clockToleranceMs);
  return {
    checked: acks.size,
    visibleAfterMs,
    durable: after.failures === 0,
    failures: after.failures,
    ...(after.first === undefined ? {} : { firstFailure: after.first }),
  };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** One design on one engine: its server, its load driver, and what its measured slices add up to. */
class Contender {
  ok = 0;
  errors = 0;
  elapsedMs = 0;
  cpuUs = 0;
  clientCpuUs = 0;
  activeMs = 0;
  idleMs = 0;
  readonly latencies: number[] = [];
  readonly perRound: number[] = [];
  readonly driver: LoadDriver;

  constructor(
    readonly variant: Variant,
    readonly server: ServerProcess,
    readonly store: Store | undefined,
    targets: Target[],
    o: BenchOptions,
  ) {
    this.driver = new LoadDriver(server.url, targets, o.concurrency);
  }

  async measure(o: BenchOptions, durationMs: number, profilePath: string | undefined): Promise<void> {
    let u0: Promise<Usage> | undefined;
    let u1: Promise<Usage> | undefined;
    let c0: NodeJS.CpuUsage | undefined;
    let p0: Promise<void> | undefined;
    let p1: Promise<void> | undefined;
    const r = await this.driver.slice({
      warmupMs: SLICE_WARMUP_MS,
      durationMs,
      maxRequests: o.maxRequests,
      onMeasureStart: () => {
        c0 = process.cpuUsage();
        u0 = this.server.usage();
        if (profilePath) p0 = this.server.profileStart();
      },
      onMeasureEnd: () => {
        const c = process.cpuUsage(c0);
        this.clientCpuUs += c.user + c.system;
        u1 = this.server.usage();
        if (profilePath) p1 = p0!.then(() => this.server.profileStop(profilePath));
      },
    });
    if (u0 && u1) {
      const [a, b] = await Promise.all([u0, u1]);
      this.cpuUs += b.userUs + b.systemUs - a.userUs - a.systemUs;
      this.activeMs += b.activeMs - a.activeMs;
      this.idleMs += b.idleMs - a.idleMs;
    }
    await p1;
    this.ok += r.ok;
    this.errors += r.errors;
    this.elapsedMs += r.elapsedMs;
    for (const l of r.latencies) this.latencies.push(l);
    this.perRound.push(r.elapsedMs > 0 ? (r.ok / r.elapsedMs) * 1000 : 0);
  }

  result(durability: Durability | undefined, flush: DesignResult['flush']): DesignResult {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      label: this.variant.label,
      design: this.variant.design,
      heartbeatsPerSec: this.elapsedMs > 0 ? (this.ok / this.elapsedMs) * 1000 : 0,
      perRound: this.perRound,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? sorted[sorted.length - 1]! : 0,
      ok: this.ok,
      errors: this.errors,
      errorSamples: this.driver.errorSamples,
      sockets: this.driver.socketCount,
      serverCpuPct: this.elapsedMs > 0 ? (this.cpuUs / 1000 / this.elapsedMs) * 100 : 0,
      serverCpuUsPerHeartbeat: this.ok > 0 ? this.cpuUs / this.ok : 0,
      clientCpuUsPerHeartbeat: this.ok > 0 ? this.clientCpuUs / this.ok : 0,
      serverElu: this.activeMs + this.idleMs > 0 ? this.activeMs / (this.activeMs + this.idleMs) : 0,
      ...(durability ? { durability } : {}),
      ...(flush ? { flush } : {}),
    };
  }
}

/** Each measured slice starts with this much unmeasured load, after the server sat idle. */
const SLICE_WARMUP_MS = 250;
/** Unmeasured load right before a durability check, so "the load stops" means this server's load. */
const FINAL_LOAD_MS = 500;

function describeResult(engine: Engine, d: DesignResult): string {
  return (
    `  ${engine} ${d.label.padEnd(7)} ${fmt(d.heartbeatsPerSec).padStart(7)} hb/s (rounds ${d.perRound.map((x) => fmt(x)).join(', ')})` +
    `  p50 ${fmt(d.p50Ms, 2)} ms  p99 ${fmt(d.p99Ms, 2)} ms  server cpu ${fmt(d.serverCpuPct)}% ${fmt(d.serverCpuUsPerHeartbeat)} µs/hb elu ${fmt(d.serverElu * 100)}%  client ${fmt(d.clientCpuUsPerHeartbeat)} µs/hb  errors ${d.errors}` +
    (d.durability
      ? `  durable: ${d.durability.durable ? 'yes' : 'NO'} (visible after ${d.durability.visibleAfterMs === null ? '>limit' : `${fmt(d.durability.visibleAfterMs)} ms`}, ${d.durability.checked} processes)`
      : '') +
    (d.flush ? `  flushes ${d.flush.count}, mean ${fmt(d.flush.meanMs, 1)} ms` : '') +
    (d.errorSamples.length ? `\n    e.g. ${d.errorSamples[0]}` : '') +
    (d.durability?.firstFailure ? `\n    e.g. ${d.durability.firstFailure}` : '')
  );
}

/** The coordinator's flush histogram, from its /metrics. */
async function flushMetrics(url: string): Promise<FlushStats | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const num = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    const count = num('grid_heartbeat_flush_duration_seconds_count');
    const sum = num('grid_heartbeat_flush_duration_seconds_sum');
    const heartbeats = num('grid_heartbeats_received_total');
    return Number.isFinite(count) && count > 0 ? { count, meanMs: (sum / count) * 1000, heartbeats } : undefined;
  } catch {
    return undefined;
  }
}

async function runEngine(
  engine: Engine,
  workDir: string,
  o: BenchOptions,
  live: Set<() => Promise<void>>,
  variants: readonly Variant[],
  durabilityChecks: boolean,
): Promise<EngineResult> {
  const processes = o.devices * o.processesPerDevice;
  if (engine === 'postgres') {
    const problem = await postgresProblem();
    if (problem) {
      o.log(`${engine}: skipped — ${problem}`);
      return { engine, skipped: problem, storage: 'PostgreSQL', processes, designs: [] };
    }
  }
  const storage = await openStorage(engine, workDir, o.keep);
  const stores: Store[] = [storage.base];
  const cleanup = async () => {
    await Promise.allSettled(stores.map((s) => s.cleanup()));
  };
  live.add(cleanup);
  const servers: ServerProcess[] = [];
  const killAll = async () => {
    await Promise.allSettled(servers.map((s) => s.kill()));
  };
  live.add(killAll);
  try {
    o.log(`${engine}: ${storage.describe}`);
    const t0 = performance.now();
    const setup = await ServerProcess.start({ engine, design: 'ours', ...storage.base.spec, vacuum: false }, join(workDir, `${engine}-setup.log`));
    servers.push(setup);
    let targets: Target[];
    try {
      targets = await createFixtures(setup.url, o);
    } finally {
      await setup.stop();
    }
    o.log(`  ${o.devices} devices, ${targets.length} processes registered through the API in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    // Each server with a database gets its own copy of the same data; all run side by side.
    const storeOf: (Store | undefined)[] = [];
    let baseTaken = false;
    for (const [i, v] of variants.entries()) {
      if (v.design === 'ceiling') storeOf.push(undefined);
      else if (!baseTaken) {
        baseTaken = true;
        storeOf.push(storage.base);
      } else {
        const copy = await storage.clone(`${i}${v.design}`);
        stores.push(copy);
        storeOf.push(copy);
      }
    }
    const contenders = await Promise.all(
      variants.map(async (v, i) => {
        const store = storeOf[i];
        const server = await ServerProcess.start(
          { design: v.design, engine, ...(store?.spec ?? {}), vacuum: v.design !== 'ceiling', ...(v.patches ? { patches: v.patches } : {}) },
          join(workDir, `${engine}-${i}-${v.label.replace(/\W+/g, '_')}.log`),
        );
        servers.push(server);
        return new Contender(v, server, store, targets, o);
      }),
    );

    try {
      for (const c of contenders) await c.driver.slice({ warmupMs: o.warmupSec * 1000, durationMs: 0, maxRequests: o.maxRequests });
      // Interleaved rounds, the order rotating, so a change in the machine's background load hits every design alike.
      const sliceMs = (o.durationSec * 1000) / o.rounds;
      for (let r = 0; r < o.rounds; r++) {
        for (let k = 0; k < contenders.length; k++) {
          const c = contenders[(r + k) % contenders.length]!;
          const profile = o.profileDir ? join(o.profileDir, `${engine}-${c.variant.label.replace(/\W+/g, '_')}-round${r + 1}.cpuprofile`) : undefined;
          await c.measure(o, sliceMs, profile);
        }
      }
      const designs: DesignResult[] = [];
      for (const c of contenders) {
        let durability: Durability | undefined;
        const flush = c.variant.design === 'ours' ? await flushMetrics(c.server.url) : undefined;
        if (c.store && durabilityChecks) {
          const last = await c.driver.slice({ warmupMs: FINAL_LOAD_MS, durationMs: 0, maxRequests: o.maxRequests });
          durability = await checkDurability(c.server, c.store, c.driver.acks, last.stoppedAt, o);
        }
        if (!durability) await c.server.stop();
        const result = c.result(durability, flush);
        o.log(describeResult(engine, result));
        designs.push(result);
      }
      return { engine, storage: storage.describe, processes: targets.length, designs };
    } finally {
      for (const c of contenders) c.driver.close();
    }
  } finally {
    live.delete(killAll);
    await killAll();
    live.delete(cleanup);
    await cleanup();
  }
}

/**
 * Runs every design (or the given variants) on every engine; PostgreSQL is
 * skipped (with the reason) when it cannot be reached.
 */
export async function runBenchmark(
  o: BenchOptions,
  variants: readonly Variant[] = STANDARD_VARIANTS,
  durabilityChecks = true,
): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const workDir = await mkdtemp(join(os.tmpdir(), 'gridshare-bench-'));
  if (o.profileDir) await mkdir(o.profileDir, { recursive: true });
  // Ctrl-C: kill the servers, drop the throwaway databases, remove the data directories.
  const live = new Set<() => Promise<void>>();
  const onSigint = () => {
    o.log('interrupted: cleaning up');
    const all = Promise.allSettled([...live].reverse().map((f) => f()));
    void Promise.race([all, sleep(10_000)]).then(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const engines: EngineResult[] = [];
  let failed = false;
  try {
    for (const engine of o.engines) engines.push(await runEngine(engine, workDir, o, live, variants, durabilityChecks));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    // A failed run keeps its server logs: they are the only clue.
    if (o.keep || failed) o.log(`server logs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
  return {
    startedAt,
    durationSec: o.durationSec,
    warmupSec: o.warmupSec,
    rounds: o.rounds,
    concurrency: o.concurrency,
    devices: o.devices,
    processesPerDevice: o.processesPerDevice,
    durableWithinMs: o.durableWithinMs,
    clockToleranceMs: o.clockToleranceMs,
    machine: machineInfo(loadAtStart),
    engines,
  };
}
