// The heartbeat benchmark at a tiny load: it runs, every design produces
// numbers, and the durability check passes. No speed is asserted (the machine
// is shared and noisy); the figures are for docs/benchmarks.md, written by
// `npm run bench:heartbeat`, never by this test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBenchmark } from './benchmark.js';
import { DEFAULTS, DESIGNS, parseOptions } from './options.js';
import { section, table } from './report.js';

test('the heartbeat benchmark runs at a tiny load, on PGlite and (when reachable) PostgreSQL', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const result = await runBenchmark({
    ...DEFAULTS,
    engines: ['pglite', 'postgres'],
    durationSec: 1,
    rounds: 2,
    warmupSec: 0.3,
    concurrency: 4,
    devices: 2,
    devicesPerUser: 2,
    processesPerDevice: 3,
    output: null,
    log: (line) => lines.push(line),
  });

  const pglite = result.engines.find((e) => e.engine === 'pglite');
  assert.ok(pglite && !pglite.skipped, 'PGlite is always measured');
  for (const e of result.engines) {
    if (e.skipped) {
      assert.equal(e.engine, 'postgres', 'only PostgreSQL may be skipped');
      continue;
    }
    assert.equal(e.processes, 6);
    assert.deepEqual(
      e.designs.map((d) => d.design),
      [...DESIGNS],
    );
    for (const d of e.designs) {
      const where = `${e.engine}/${d.design}: ${lines.join('\n')}`;
      assert.ok(d.heartbeatsPerSec > 0, `heartbeats/s > 0 (${where})`);
      assert.ok(d.ok > 0, where);
      assert.ok(d.p50Ms > 0 && d.p99Ms >= d.p50Ms, where);
      assert.equal(d.errors, 0, `${d.errorSamples.join('; ')} (${where})`);
      if (d.design === 'ceiling') assert.equal(d.durability, undefined);
      else {
        assert.ok(d.durability, where);
        assert.equal(d.durability.checked, 6, where);
        assert.equal(d.durability.durable, true, `${d.durability.firstFailure ?? ''} (${where})`);
      }
    }
  }

  // The report renders without writing anything.
  const md = section(result);
  assert.match(md, /^<!-- heartbeat:start -->/);
  assert.match(md, /<!-- heartbeat:end -->$/);
  assert.match(table(result), /\| pglite \| \*\*ours\*\*/);
});

test('the durability check catches a coordinator that never writes its heartbeats', { timeout: 120_000 }, async () => {
  const result = await runBenchmark(
    {
      ...DEFAULTS,
      engines: ['pglite'],
      durationSec: 0.5,
      rounds: 1,
      warmupSec: 0.2,
      concurrency: 2,
      devices: 1,
      devicesPerUser: 1,
      processesPerDevice: 2,
      output: null,
      log: () => {},
    },
    [{ label: 'ours, never flushing', design: 'ours', patches: ['no-flush'] }],
  );
  const [d] = result.engines[0]!.designs;
  assert.ok(d && d.ok > 0 && d.durability);
  assert.equal(d.durability.durable, false);
  assert.equal(d.durability.visibleAfterMs, null);
  assert.equal(d.durability.failures, 2);
});

test('options: flags override the environment; --no-write writes nothing', () => {
  const o = parseOptions(['--duration', '3', '--engines=pglite', '--no-write'], { BENCH_DURATION: '9', BENCH_CONCURRENCY: '8' });
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.equal(o.durationSec, 3);
  assert.equal(o.concurrency, 8);
  assert.deepEqual(o.engines, ['pglite']);
  assert.equal(o.output, null);
  assert.throws(() => parseOptions(['--engines', 'mysql']), /unknown engine/);
  assert.throws(() => parseOptions(['--concurrency', '0']), /whole number/);
});
