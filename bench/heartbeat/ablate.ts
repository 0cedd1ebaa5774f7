/**
 * Where does the coordinator's time per heartbeat go? Runs the ceiling, the
 * coordinator as it is, and the coordinator with one piece removed at a time
 * (ablations.ts), side by side in interleaved rounds, and prints heartbeats/s
 * and server CPU per heartbeat for each. Writes nothing.
 *
 *   node --import tsx bench/heartbeat/ablate.ts [run.ts options] [--only a,b]
 */
import { PATCHES, isPatch, type Patch } from './ablations.js';
import { runBenchmark, type Variant } from './benchmark.js';
import { parseOptions, USAGE } from './options.js';

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? (args.splice(onlyAt, 2)[1] ?? '').split(',').filter(Boolean) : undefined;
  const parsed = parseOptions(args);
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n  --only <patches>        ablations to run: ${Object.keys(PATCHES).join(', ')}\n`);
    return;
  }
  const patches = (only ?? Object.keys(PATCHES).filter((p) => p !== 'no-flush')).filter((p): p is Patch => isPatch(p));
  const all = patches.filter((p) => p !== 'flush-1000ms' && p !== 'no-flush');
  const variants: Variant[] = [
    { label: 'ceiling', design: 'ceiling' },
    { label: 'ours', design: 'ours' },
    ...patches.map((p) => ({ label: `ours [${p}]`, design: 'ours' as const, patches: [p] })),
    ...(all.length > 1 ? [{ label: `ours [${all.join(', ')}]`, design: 'ours' as const, patches: all }] : []),
  ];
  const result = await runBenchmark({ ...parsed, output: null }, variants, false);
  for (const e of result.engines) {
    if (e.skipped) {
      process.stdout.write(`\n${e.engine}: skipped (${e.skipped})\n`);
      continue;
    }
    const ceiling = e.designs.find((d) => d.label === 'ceiling');
    const ours = e.designs.find((d) => d.label === 'ours');
    process.stdout.write(`\n${e.engine} (${e.processes} processes)\n`);
    process.stdout.write('| Variant | Heartbeats/s | % of ceiling | p50 ms | p99 ms | Server CPU µs/heartbeat | Δ CPU vs ours | Flush mean ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n');
    for (const d of e.designs) {
      const pct = ceiling && ceiling.heartbeatsPerSec > 0 ? `${Math.round((d.heartbeatsPerSec / ceiling.heartbeatsPerSec) * 100)}%` : '–';
      const delta = ours && d !== ours && d.design === 'ours' ? fmt(d.serverCpuUsPerHeartbeat - ours.serverCpuUsPerHeartbeat, 1) : '';
      process.stdout.write(
        `| ${d.label} | ${fmt(d.heartbeatsPerSec)} | ${pct} | ${fmt(d.p50Ms, 2)} | ${fmt(d.p99Ms, 2)} | ${fmt(d.serverCpuUsPerHeartbeat, 1)} | ${delta} | ${d.flush ? fmt(d.flush.meanMs, 1) : ''} |\n`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`ablate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
