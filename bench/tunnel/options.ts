import { fileURLToPath } from 'node:url';

export interface TunnelBenchOptions {
  /** Bytes moved per throughput sample (each direction). */
  bytes: number;
  /** Samples per path and direction, the paths interleaved so background load hits all alike. */
  rounds: number;
  /** Round trips per latency sample (after `warmupTrips`). */
  roundTrips: number;
  warmupTrips: number;
  /** Bytes each way per round trip. */
  messageBytes: number;
  /** Where to write the results section; null writes nothing. */
  output: string | null;
  /** Directory for CPU profiles of the coordinator and both agents over the whole run (null: none). */
  profileDir: string | null;
  log: (line: string) => void;
}

export const DEFAULT_OUTPUT = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

export const DEFAULTS: TunnelBenchOptions = {
  bytes: 256 * 1024 * 1024,
  rounds: 5,
  roundTrips: 2000,
  warmupTrips: 200,
  messageBytes: 32,
  output: DEFAULT_OUTPUT,
  profileDir: null,
  log: (line) => process.stderr.write(`${line}\n`),
};

export const USAGE = `node --import tsx bench/tunnel/run.ts [options]

Throughput and added latency of grid connect (guest agent → coordinator →
host agent) next to a direct loopback connection and a ceiling (three plain
TCP pipe processes in the relay's places), in the same run.

  --mib N           MiB per throughput sample, each direction (default 256)
  --rounds N        samples per path and direction (default 5)
  --round-trips N   round trips per latency sample (default 2000)
  --no-write        print only; do not touch docs/benchmarks.md
  --profile DIR     CPU-profile the coordinator and both agents (node --cpu-prof,
                    whole run; summarise with bench/heartbeat/profile-summary.ts)
  --help`;

export class UsageError extends Error {}

function whole(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number ≥ ${min} (got '${v ?? ''}')`);
  return n;
}

export function parseOptions(argv: string[]): TunnelBenchOptions | 'help' {
  const o = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--help':
        return 'help';
      case '--mib':
        o.bytes = whole(flag, value(), 1) * 1024 * 1024;
        break;
      case '--rounds':
        o.rounds = whole(flag, value(), 1);
        break;
      case '--round-trips':
        o.roundTrips = whole(flag, value(), 1);
        break;
      case '--profile': {
        const dir = value();
        if (!dir) throw new UsageError('--profile takes a directory');
        o.profileDir = dir;
        break;
      }
      case '--no-write':
        o.output = null;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return o;
}
