// The tunnel benchmark at a tiny load: it runs, both paths produce numbers,
// and the report renders between its markers. No speed is asserted (the
// machine is shared and noisy); the figures are for docs/benchmarks.md,
// written by `node --import tsx bench/tunnel/run.ts`, never by this test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTunnelBenchmark } from './benchmark.js';
import { DEFAULTS, parseOptions } from './options.js';
import { END, section, START, table } from './report.js';

test('the tunnel benchmark runs at a tiny load', { timeout: 180_000 }, async () => {
  const r = await runTunnelBenchmark({ ...DEFAULTS, bytes: 2 * 1024 * 1024, rounds: 1, roundTrips: 30, warmupTrips: 5, output: null, log: () => {} });
  for (const p of [r.direct, r.relay]) {
    assert.ok(p.downloadBps > 0 && p.uploadBps > 0);
    assert.ok(p.latencyP50Ms > 0 && p.latencyP99Ms >= p.latencyP50Ms);
  }
  assert.ok(r.windowBytes > 0);
  const md = section(r);
  assert.ok(md.startsWith(START) && md.endsWith(END));
  assert.match(table(r), /\| \*\*relay\*\* \(grid connect\) \|/);
});

test('options: --mib, --rounds, --no-write; bad values are refused', () => {
  const o = parseOptions(['--mib', '8', '--rounds=2', '--no-write']);
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.equal(o.bytes, 8 * 1024 * 1024);
  assert.equal(o.rounds, 2);
  assert.equal(o.output, null);
  assert.throws(() => parseOptions(['--rounds', '0']), /whole number/);
  assert.throws(() => parseOptions(['--fast']), /unknown option/);
});
