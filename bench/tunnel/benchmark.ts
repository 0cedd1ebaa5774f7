import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, Pc, waitUntil } from '../../e2e/agent-harness.js';
import { startServe } from '../../e2e/serve-process.js';
import { listProcessGroup } from '../../packages/agent/src/supervisor/procfs.js';
import { gridConnect } from '../../e2e/tunnel-harness.js';
import { startPipeChain } from './ceiling.js';
import type { TunnelBenchOptions } from './options.js';
import { download, roundTrips, targetCommand, upload } from './target.js';

export interface PathResult {
  /** Median of the samples, bytes per second. */
  downloadBps: number;
  uploadBps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  downloadSamples: number[];
  uploadSamples: number[];
}

export interface TunnelBenchResult {
  startedAt: string;
  machine: { nproc: number; cpu: string; memoryGiB: number; os: string; node: string; loadAverage: [number, number] };
  options: Pick<TunnelBenchOptions, 'bytes' | 'rounds' | 'roundTrips' | 'messageBytes'>;
  windowBytes: number;
  direct: PathResult;
  /** Three plain TCP pipe processes in the places of the guest agent, the coordinator and the host agent. */
  ceiling: PathResult;
  relay: PathResult;
  /**
   * CPU seconds each process of a path spent per GB moved on it (downloads and
   * uploads together); 0 for a role the path does not have. On the ceiling
   * path the agent and coordinator columns are the pipe processes in their places.
   */
  cpuPerGB: Record<PathName, Record<Role, number>>;
}

export const PATHS = ['direct', 'ceiling', 'relay'] as const;
export type PathName = (typeof PATHS)[number];
export const ROLES = ['load generator', 'target server', 'guest agent', 'coordinator', 'host agent'] as const;
export type Role = (typeof ROLES)[number];

/** utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 Hz). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The CPU of everything a role runs: the target server is a process group (the agent's exit-code wrapper and node). */
async function roleSeconds(role: Role, pid: number): Promise<number> {
  if (role !== 'target server') return cpuSeconds(pid);
  let sum = 0;
  for (const p of await listProcessGroup(pid)) sum += cpuSeconds(p.pid);
  return sum;
}

async function cpuNow(pids: Partial<Record<Role, number>>): Promise<Partial<Record<Role, number>>> {
  const out: Partial<Record<Role, number>> = {};
  for (const [role, pid] of Object.entries(pids) as Array<[Role, number]>) out[role] = await roleSeconds(role, pid);
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * Boots `grid serve` (embedded database, in memory) and two agents, each its
 * own process; the host agent runs the target server; the guest runs `grid
 * connect` to both of its ports; three plain TCP pipe processes are chained
 * to the same two ports. The load generator (this process) then measures each
 * path in interleaved rounds: direct (127.0.0.1 to the target), ceiling (pipe
 * → pipe → pipe → target: the least three Node processes in the path cost)
 * and relay (guest agent → coordinator → host agent → target).
 */
export async function runTunnelBenchmark(o: TunnelBenchOptions): Promise<TunnelBenchResult> {
  const startedAt = new Date().toISOString();
  const load0 = loadavg()[0]!;
  const profileEnv = (dir: string | null): Record<string, string> =>
    dir ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PROFILER}`.trim(), GRID_BENCH_PROFILE_DIR: resolve(dir) } : {};
  const serve = await startServe({ GRID_DATA_DIR: 'memory://', LOG_LEVEL: 'warn', GRID_WEB_ROOT: 'off', ...profileEnv(o.profileDir && join(o.profileDir, 'coordinator')) });
  const [host, guest] = await Promise.all([Pc.create('bench-host'), Pc.create('bench-guest')]);
  host.extraEnv = { LOG_LEVEL: 'warn', ...profileEnv(o.profileDir && join(o.profileDir, 'host')) };
  guest.extraEnv = { LOG_LEVEL: 'warn', ...profileEnv(o.profileDir && join(o.profileDir, 'guest')) };
  const stops: Array<() => Promise<unknown>> = [];
  try {
    o.log('setting up: coordinator, two agents, the target server');
    const tag = process.pid.toString(36);
    await host.ok('signup', '--server', serve.url, '--username', `host${tag}`, '--device-name', 'host');
    await guest.ok('signup', '--server', serve.url, '--username', `guest${tag}`, '--device-name', 'guest');
    await host.ok('grids', 'create', 'bench');
    const { invite } = await host.json<{ invite: { code: string } }>('invite', 'bench', '--uses', '1');
    await guest.ok('join', invite.code);
    const [bulkPort, echoPort] = [await freePort(), await freePort()];
    await host.ok('run', '--grid', 'bench', '--name', 'target', '--port', String(bulkPort), '--port', String(echoPort), '--', ...targetCommand(bulkPort, echoPort));
    await waitUntil(async () => (await guest.status()).link?.state === 'connected' && (await host.status()).link?.state === 'connected', 'the agent links');
    await waitUntil(() => download(bulkPort, 1).then(() => true, () => false), 'the target server');
    const bulk = await gridConnect(guest, 'target', '--port', String(bulkPort));
    const echo = await gridConnect(guest, 'target', '--port', String(echoPort));
    stops.push(() => bulk.stop(), () => echo.stop());
    const chain = await startPipeChain([bulkPort, echoPort], freePort);
    stops.push(() => chain.stop());
    const windowBytes = (await guest.status()).link!.windowBytes;
    const hostStatus = await host.status();
    const agentPids = [hostStatus.agent.pid, (await guest.status()).agent.pid];
    const ends = { 'load generator': process.pid, 'target server': hostStatus.processes[0]!.runtime.pid! };
    // Each path's CPU is that of its own processes (the other path's sit idle meanwhile).
    const pids: Record<PathName, Partial<Record<Role, number>>> = {
      direct: ends,
      ceiling: { ...ends, 'guest agent': chain.pids[0], coordinator: chain.pids[1], 'host agent': chain.pids[2] },
      relay: { ...ends, 'guest agent': (await guest.status()).agent.pid, coordinator: serve.child.pid!, 'host agent': hostStatus.agent.pid },
    };
    const zero = () => Object.fromEntries(ROLES.map((k) => [k, 0])) as Record<Role, number>;
    const cpu = { direct: zero(), ceiling: zero(), relay: zero() };
    const moved = { direct: 0, ceiling: 0, relay: 0 };

    const paths: Record<PathName, { bulk: number; echo: number }> = {
      direct: { bulk: bulkPort, echo: echoPort },
      ceiling: { bulk: chain.ports[0]!, echo: chain.ports[1]! },
      relay: { bulk: bulk.port, echo: echo.port },
    };
    const fresh = () => ({ down: [] as number[], up: [] as number[], rtt: [] as number[] });
    const samples = { direct: fresh(), ceiling: fresh(), relay: fresh() };
    // Warm every path (JIT, socket buffers) before anything counts.
    for (const p of Object.values(paths)) {
      await download(p.bulk, Math.min(o.bytes, 16 * 1024 * 1024));
      await upload(p.bulk, Math.min(o.bytes, 16 * 1024 * 1024));
    }
    const profiled = [serve.child.pid!, ...agentPids];
    if (o.profileDir) for (const pid of profiled) process.kill(pid, 'SIGUSR2');
    for (let r = 0; r < o.rounds; r++) {
      // The order rotates so that no path always runs first.
      for (const name of [...PATHS.slice(r % PATHS.length), ...PATHS.slice(0, r % PATHS.length)]) {
        const p = paths[name];
        const cpu0 = await cpuNow(pids[name]);
        samples[name].down.push(await download(p.bulk, o.bytes));
        samples[name].up.push(await upload(p.bulk, o.bytes));
        const cpu1 = await cpuNow(pids[name]);
        for (const k of Object.keys(pids[name]) as Role[]) cpu[name][k] += cpu1[k]! - cpu0[k]!;
        moved[name] += 2 * o.bytes;
        samples[name].rtt.push(...(await roundTrips(p.echo, Math.ceil(o.roundTrips / o.rounds), r === 0 ? o.warmupTrips : 0, o.messageBytes)));
        o.log(`round ${r + 1}/${o.rounds} ${name}: down ${mb(samples[name].down.at(-1)!)} MB/s, up ${mb(samples[name].up.at(-1)!)} MB/s`);
      }
    }
    if (o.profileDir) {
      for (const pid of profiled) process.kill(pid, 'SIGUSR2');
      const files = ['coordinator', 'host', 'guest'].map((side, i) => join(o.profileDir!, side, `${profiled[i]}.cpuprofile`));
      await waitUntil(async () => (await Promise.all(files.map((f) => stat(f).then(() => true, () => false)))).every(Boolean), 'the CPU profiles', 30_000);
    }
    const result = (s: typeof samples.direct): PathResult => ({
      downloadBps: median(s.down),
      uploadBps: median(s.up),
      latencyP50Ms: percentile(s.rtt, 50),
      latencyP99Ms: percentile(s.rtt, 99),
      downloadSamples: s.down,
      uploadSamples: s.up,
    });
    const perGB = (name: PathName) =>
      Object.fromEntries(Object.entries(cpu[name]).map(([k, v]) => [k, v / (moved[name] / 1e9)])) as Record<Role, number>;
    const cores = cpus();
    return {
      startedAt,
      machine: {
        nproc: cores.length,
        cpu: cores[0]?.model ?? 'unknown',
        memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
        os: `Linux ${release()} ${process.arch}`,
        node: process.version,
        loadAverage: [load0, loadavg()[0]!],
      },
      options: { bytes: o.bytes, rounds: o.rounds, roundTrips: o.roundTrips, messageBytes: o.messageBytes },
      windowBytes,
      direct: result(samples.direct),
      ceiling: result(samples.ceiling),
      relay: result(samples.relay),
      cpuPerGB: { direct: perGB('direct'), ceiling: perGB('ceiling'), relay: perGB('relay') },
    };
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await Promise.all([host.destroy(), guest.destroy()]);
    await serve.stop();
  }
}

const PROFILER = fileURLToPath(new URL('./cpu-profile.cjs', import.meta.url));

export const mb = (bps: number) => (bps / 1e6).toFixed(0);
