import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchResult, DesignResult, EngineResult } from './benchmark.js';

export const START = '<!-- heartbeat:start -->';
export const END = '<!-- heartbeat:end -->';

const INTRO = `# Benchmarks

Benchmarks live under \`bench/\` and run on demand (\`npm run bench:<name>\`);
they are not part of \`npm test\`, which only checks that each one runs at a tiny
load. Every server under test runs in its own process, so the load generator
(in the benchmark's process) does not share its event loop, and everything
talks over 127.0.0.1. Each section below is written by its benchmark and
replaced as a whole on the next run; the figures come from one run on the
machine described in that section and move with the machine and with whatever
else it is doing, so compare the rows of one run with each other rather than
with another run.
`;

export interface Verdict {
  engine: string;
  pctOfCeiling: number;
  timesNaive: number;
  durable: boolean;
  metCeiling: boolean;
  metNaive: boolean;
}

const find = (e: EngineResult, d: string): DesignResult | undefined => e.designs.find((x) => x.design === d);

export function verdicts(r: BenchResult): Verdict[] {
  const out: Verdict[] = [];
  for (const e of r.engines) {
    if (e.skipped) continue;
    const ours = find(e, 'ours');
    const ceiling = find(e, 'ceiling');
    const naive = find(e, 'naive');
    if (!ours || !ceiling || !naive) continue;
    const pctOfCeiling = ceiling.heartbeatsPerSec > 0 ? (ours.heartbeatsPerSec / ceiling.heartbeatsPerSec) * 100 : 0;
    const timesNaive = naive.heartbeatsPerSec > 0 ? ours.heartbeatsPerSec / naive.heartbeatsPerSec : 0;
    out.push({
      engine: e.engine,
      pctOfCeiling,
      timesNaive,
      durable: ours.durability?.durable === true,
      metCeiling: pctOfCeiling >= 50,
      metNaive: timesNaive >= 3,
    });
  }
  return out;
}

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const n2 = (n: number) => n.toFixed(2);

function durableCell(d: DesignResult, limitMs: number): string {
  if (!d.durability) return '–';
  const seen = d.durability.visibleAfterMs;
  const when = seen === null ? `not within ${limitMs} ms` : `in the DB after ≤ ${Math.max(1, Math.round(seen))} ms`;
  return `${d.durability.durable ? 'yes' : '**no**'} (${when})`;
}

const LABEL: Record<string, string> = { ceiling: 'ceiling (bare node:http)', ours: '**ours** (coordinator)', naive: 'naive (UPDATE per request)' };

const range = (xs: number[]) => (xs.length ? `${n0(Math.min(...xs))}–${n0(Math.max(...xs))}` : '–');

/** The results table, engine × design. */
export function table(r: BenchResult): string {
  const rows = [
    `| Engine | Design | Heartbeats/s | Rounds (min–max) | p50 ms | p99 ms | % of ceiling | × naive | Durable within ${r.durableWithinMs / 1000} s | Server CPU µs/heartbeat | Errors |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const e of r.engines) {
    if (e.skipped) {
      rows.push(`| ${e.engine} | skipped: ${e.skipped.replace(/\|/g, '\\|')} | | | | | | | | | |`);
      continue;
    }
    const ceiling = find(e, 'ceiling')?.heartbeatsPerSec ?? 0;
    const naive = find(e, 'naive')?.heartbeatsPerSec ?? 0;
    for (const d of e.designs) {
      const pct = ceiling > 0 ? `${Math.round((d.heartbeatsPerSec / ceiling) * 100)}%` : '–';
      const x = naive > 0 ? `${(d.heartbeatsPerSec / naive).toFixed(1)}×` : '–';
      rows.push(
        `| ${e.engine} | ${LABEL[d.design] ?? d.design} | ${n0(d.heartbeatsPerSec)} | ${range(d.perRound)} | ${n2(d.p50Ms)} | ${n2(d.p99Ms)} | ${pct} | ${x} | ${durableCell(d, r.durableWithinMs)} | ${n0(d.serverCpuUsPerHeartbeat)} | ${d.errors} |`,
      );
    }
  }
  return rows.join('\n');
}

export function verdictLines(r: BenchResult): string[] {
  return verdicts(r).map(
    (v) =>
      `- ${v.engine}: ours is ${Math.round(v.pctOfCeiling)}% of the ceiling (target ≥ 50%: ${v.metCeiling ? 'met' : '**missed**'}), ` +
      `${v.timesNaive.toFixed(1)}× the naive design (target ≥ 3×: ${v.metNaive ? 'met' : '**missed**'}), ` +
      `every acknowledged heartbeat durable within ${r.durableWithinMs / 1000} s: ${v.durable ? 'yes' : '**no**'}.`,
  );
}

/** What the coordinator's own metrics say about its flushes, and how much coalescing flattered it. */
export function flushLines(r: BenchResult): string[] {
  const out: string[] = [];
  for (const e of r.engines) {
    const ours = find(e, 'ours');
    if (!ours?.flush) continue;
    const perFlush = (ours.heartbeatsPerSec * FLUSH_INTERVAL_S) / e.processes;
    out.push(
      `- ${e.engine}: ours wrote its heartbeats in ${ours.flush.count} flushes (one UPDATE each, up to ${e.processes} rows), ` +
        `${ours.flush.meanMs.toFixed(1)} ms on average. At ${n0(ours.heartbeatsPerSec)} heartbeats/s over ${e.processes} processes, ` +
        `each row written stood for ~${perFlush.toFixed(1)} heartbeats; agents that beat every 30 s get no such discount.`,
    );
  }
  return out;
}

/** How busy the ceiling's server was, and what that means for "% of ceiling". */
export function ceilingLines(r: BenchResult): string[] {
  const out: string[] = [];
  for (const e of r.engines) {
    const ceiling = find(e, 'ceiling');
    const ours = find(e, 'ours');
    if (!ceiling || !ours || ceiling.serverCpuUsPerHeartbeat <= 0) continue;
    out.push(
      `- ${e.engine}: the ceiling's server was busy ${Math.round(ceiling.serverElu * 100)}% of the time; the load generator ` +
        `(${n0(ceiling.clientCpuUsPerHeartbeat)} µs of CPU per heartbeat against the server's ${n0(ceiling.serverCpuUsPerHeartbeat)}) is what limits it. ` +
        `Per heartbeat, ours costs ${(ours.serverCpuUsPerHeartbeat / ceiling.serverCpuUsPerHeartbeat).toFixed(1)}× the bare server's CPU ` +
        `(${Math.round((ceiling.serverCpuUsPerHeartbeat / ours.serverCpuUsPerHeartbeat) * 100)}% of its throughput if both were CPU-bound). ` +
        `Ours's event loop was busy ${Math.round(ours.serverElu * 100)}% of the time while its process got ${Math.round(ours.serverCpuPct)}% of a core: ` +
        `the gap is time it was ready to run but the machine's cores were taken, so "% of ceiling" falls as the machine gets busier.` +
        (ours.heartbeatsPerSec > ceiling.heartbeatsPerSec
          ? ` Ours above 100%: both are bound by the load generator, which spent ${n0(ours.clientCpuUsPerHeartbeat)} µs per answer from ours ` +
            `against ${n0(ceiling.clientCpuUsPerHeartbeat)} from the bare server; read it as "at the ceiling".`
          : ''),
    );
  }
  return out;
}

/** The coordinator's default flush interval (GRID_FLUSH_INTERVAL_MS), which the benchmark keeps. */
const FLUSH_INTERVAL_S = 0.25;

/** The heartbeat section of docs/benchmarks.md, markers included. */
export function section(r: BenchResult): string {
  const m = r.machine;
  const processes = r.devices * r.processesPerDevice;
  const engines = r.engines.filter((e) => !e.skipped).map((e) => `- ${e.engine}: ${e.storage}`);
  const skipped = r.engines.filter((e) => e.skipped).map((e) => `- ${e.engine}: skipped (${e.skipped})`);
  return `${START}
## Heartbeats

\`npm run bench:heartbeat\` (\`bench/heartbeat/\`; \`--help\` lists the knobs).
${r.devices} simulated devices (each a login with its own token) host ${processes}
processes; the load generator keeps ${Math.min(r.concurrency, processes)} heartbeats in flight over as many keep-alive
connections (node:http), each process's heartbeats one after another as an agent
sends them, with a small health body whose \`uptimeSeconds\` changes every
time. The three servers run side by side, each in its own process (ours and
naive on identical copies of the same database); after ${r.warmupSec} s of warm-up each,
${r.durationSec} s per design are measured in ${r.rounds} interleaved rounds (the order rotating),
so that a change in the machine's background load hits every design alike.
Latency is from sending the request to the end of the answer.

- **ceiling**: a bare node:http server that reads the body and answers the same
  JSON, doing nothing else: the most this machine and load generator can do.
- **ours**: the coordinator (\`createCoordinator\`, production settings: flush every
  250 ms, \`info\` logging to a file; the API only, no web app). Tokens are cached; a heartbeat of a known
  online process is answered from memory and coalesced into one UPDATE per flush.
- **naive**: the same Fastify stack, plugins, hooks and route schema, but each
  request looks its token up in the database and runs one UPDATE
  (\`ProcessesRepository.recordHeartbeat\`) before answering.

Durability: when the load stops, the time and health sequence number of each
process's last acknowledged heartbeat are noted; the database is polled until it
holds all of them (\`last_heartbeat_at\` ≥ the send time − ${r.clockToleranceMs} ms clock tolerance,
and that heartbeat's health), then at ${r.durableWithinMs / 1000} s the server is killed with SIGKILL (no
shutdown flush) and the database, opened afresh, is checked again. "Durable"
means that second check passed.

Run of ${r.startedAt} on ${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os},
Node ${m.node}, Fastify ${m.fastify}, PGlite ${m.pglite}. The load generator, the
servers under test and (for PostgreSQL) the database server share these cores,
with whatever else runs there: the 1-minute load average was
${m.loadAverage[0].toFixed(1)} at the start and ${m.loadAverage[1].toFixed(1)} at the end.

${[...engines, ...skipped].join('\n')}

${table(r)}

${flushLines(r).join('\n')}
${ceilingLines(r).join('\n')}

Where the time goes: \`bench/heartbeat/ablate.ts\` runs the coordinator with one
piece of its heartbeat path removed at a time, \`microbench.ts\` measures the CPU
of each layer without sockets and the cost of a PGlite flush, and
\`run.ts --profile <dir>\` with \`profile-summary.ts <dir>\` profiles each server.

Targets (ours ≥ 50% of the ceiling and ≥ 3× naive, on both engines, every
heartbeat durable within 1 s):

${verdictLines(r).join('\n') || '- no engine was measured'}
${END}`;
}

/** Replaces the heartbeat section of the file (or adds it; the file is created with its intro if missing). */
export async function writeSection(path: string, text: string): Promise<void> {
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let next: string;
  if (current === undefined) next = `${INTRO}\n${text}\n`;
  else {
    const a = current.indexOf(START);
    const b = current.indexOf(END, a);
    next = a >= 0 && b >= 0 ? current.slice(0, a) + text + current.slice(b + END.length) : `${current.trimEnd()}\n\n${text}\n`;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, next);
}
