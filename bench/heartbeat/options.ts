import { fileURLToPath } from 'node:url';

export type Engine = 'pglite' | 'postgres';
export const ENGINES: readonly Engine[] = ['pglite', 'postgres'];

/** The three servers measured on each engine. */
export type Design = 'ceiling' | 'ours' | 'naive';
export const DESIGNS: readonly Design[] = ['ceiling', 'ours', 'naive'];

export interface BenchOptions {
  engines: Engine[];
  /** Measured seconds per design in all, split over `rounds` interleaved slices. */
  durationSec: number;
  /** Rounds of ceiling, ours, naive one after another (the order rotating), so background load hits all alike. */
  rounds: number;
  /** Seconds of load before measuring (JIT, token cache, keep-alive sockets, live map). */
  warmupSec: number;
  /** Requests in flight at once; each has its own keep-alive socket. */
  concurrency: number;
  devices: number;
  processesPerDevice: number;
  /** Devices are logins of a few users: the first signs up and creates the grid, the others log in. */
  devicesPerUser: number;
  /** Hard cap on requests per design (measured + warm-up), so a loop is bounded in count as well as time. */
  maxRequests: number;
  /** How long after the load stops every acknowledged heartbeat must be in the database. */
  durableWithinMs: number;
  /** Slack between the load generator's clock and the database's (same machine: one clock). */
  clockToleranceMs: number;
  /** Where to write the results section; null writes nothing. */
  output: string | null;
  /** Directory for CPU profiles of each server over the measured window (null: no profiling). */
  profileDir: string | null;
  /** Keep the PGlite data directories and server logs (printed) instead of deleting them. */
  keep: boolean;
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
}

export const DEFAULT_OUTPUT = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

export const DEFAULTS: BenchOptions = {
  engines: [...ENGINES],
  durationSec: 8,
  rounds: 4,
  warmupSec: 2,
  concurrency: 64,
  devices: 40,
  processesPerDevice: 10,
  devicesPerUser: 5,
  maxRequests: 5_000_000,
  durableWithinMs: 1000,
  clockToleranceMs: 5,
  output: DEFAULT_OUTPUT,
  profileDir: null,
  keep: false,
  log: (line) => process.stderr.write(`${line}\n`),
};

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `node --import tsx bench/heartbeat/run.ts [options]

  --duration <s>          measured seconds per design, total (BENCH_DURATION, default ${DEFAULTS.durationSec})
  --rounds <n>            interleaved rounds (slices) for it  (BENCH_ROUNDS, default ${DEFAULTS.rounds})
  --warmup <s>            warm-up seconds per design         (BENCH_WARMUP, default ${DEFAULTS.warmupSec})
  --concurrency <n>       requests in flight                 (BENCH_CONCURRENCY, default ${DEFAULTS.concurrency})
  --devices <n>           simulated devices                  (BENCH_DEVICES, default ${DEFAULTS.devices})
  --processes <n>         processes per device               (BENCH_PROCESSES, default ${DEFAULTS.processesPerDevice})
  --devices-per-user <n>  devices (logins) per user          (BENCH_DEVICES_PER_USER, default ${DEFAULTS.devicesPerUser})
  --max-requests <n>      cap on requests per design         (BENCH_MAX_REQUESTS, default ${DEFAULTS.maxRequests})
  --engines <list>        pglite,postgres                    (BENCH_ENGINES, default both)
  --output <file>         results file                       (BENCH_OUTPUT, default docs/benchmarks.md)
  --no-write              print only, write no file
  --profile <dir>         CPU-profile each server over the measured window
  --keep                  keep PGlite data directories and server logs

PostgreSQL: a throwaway database is created through GRID_TEST_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end;
when it cannot be reached the engine is reported as skipped.`;

function int(name: string, raw: string, min: number, max: number): number {
  const v = Number(raw.trim());
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
  return v;
}

function num(name: string, raw: string, min: number, max: number): number {
  const v = Number(raw.trim());
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`${name} must be a number from ${min} to ${max} (got '${raw}')`);
  return v;
}

function engines(raw: string): Engine[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Engine[] = [];
  for (const e of list) {
    if (e !== 'pglite' && e !== 'postgres') throw new UsageError(`unknown engine '${e}' (pglite, postgres)`);
    if (!out.includes(e)) out.push(e);
  }
  if (out.length === 0) throw new UsageError('--engines names no engine');
  return out;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Flags override the environment, which overrides the defaults. */
export function parseOptions(argv: readonly string[], env: Env = process.env): BenchOptions | 'help' {
  const o: BenchOptions = { ...DEFAULTS, engines: [...DEFAULTS.engines] };
  const fromEnv: [string, (v: string) => void][] = [
    ['BENCH_DURATION', (v) => (o.durationSec = num('BENCH_DURATION', v, 0.2, 3600))],
    ['BENCH_ROUNDS', (v) => (o.rounds = int('BENCH_ROUNDS', v, 1, 1000))],
    ['BENCH_WARMUP', (v) => (o.warmupSec = num('BENCH_WARMUP', v, 0, 600))],
    ['BENCH_CONCURRENCY', (v) => (o.concurrency = int('BENCH_CONCURRENCY', v, 1, 4096))],
    ['BENCH_DEVICES', (v) => (o.devices = int('BENCH_DEVICES', v, 1, 10_000))],
    ['BENCH_PROCESSES', (v) => (o.processesPerDevice = int('BENCH_PROCESSES', v, 1, 1000))],
    ['BENCH_DEVICES_PER_USER', (v) => (o.devicesPerUser = int('BENCH_DEVICES_PER_USER', v, 1, 1000))],
    ['BENCH_MAX_REQUESTS', (v) => (o.maxRequests = int('BENCH_MAX_REQUESTS', v, 1, 1e9))],
    ['BENCH_ENGINES', (v) => (o.engines = engines(v))],
    ['BENCH_OUTPUT', (v) => (o.output = v)],
  ];
  for (const [name, set] of fromEnv) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') set(v);
  }

  const args = [...argv];
  const value = (flag: string): string => {
    const v = args.shift();
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  while (args.length > 0) {
    const raw = args.shift()!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    if (eq > 0 && raw.startsWith('--')) args.unshift(raw.slice(eq + 1));
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--duration':
        o.durationSec = num(flag, value(flag), 0.2, 3600);
        break;
      case '--rounds':
        o.rounds = int(flag, value(flag), 1, 1000);
        break;
      case '--warmup':
        o.warmupSec = num(flag, value(flag), 0, 600);
        break;
      case '--concurrency':
        o.concurrency = int(flag, value(flag), 1, 4096);
        break;
      case '--devices':
        o.devices = int(flag, value(flag), 1, 10_000);
        break;
      case '--processes':
        o.processesPerDevice = int(flag, value(flag), 1, 1000);
        break;
      case '--devices-per-user':
        o.devicesPerUser = int(flag, value(flag), 1, 1000);
        break;
      case '--max-requests':
        o.maxRequests = int(flag, value(flag), 1, 1e9);
        break;
      case '--engines':
        o.engines = engines(value(flag));
        break;
      case '--output':
        o.output = value(flag);
        break;
      case '--no-write':
        o.output = null;
        break;
      case '--profile':
        o.profileDir = value(flag);
        break;
      case '--keep':
        o.keep = true;
        break;
      default:
        throw new UsageError(`unknown option '${raw}'`);
    }
  }
  return o;
}
