// The tunnel benchmark at a tiny load: it runs, all three paths produce
// numbers, the ceiling is really three pipe processes, and the report renders
// between its markers. No speed is asserted (the
// machine is shared and noisy); the figures are for docs/benchmarks.md,
// written by `node --import tsx bench/tunnel/run.ts`, never by this test.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { freePort } from '../../e2e/agent-harness.js';
import { ROLES, runTunnelBenchmark } from './benchmark.js';
import { startPipeChain } from './ceiling.js';
import { DEFAULTS, parseOptions } from './options.js';
import { cpuTable, END, section, START, table, verdictLines } from './report.js';

test('the tunnel benchmark runs at a tiny load', { timeout: 180_000 }, async () => {
  const r = await runTunnelBenchmark({ ...DEFAULTS, bytes: 2 * 1024 * 1024, rounds: 1, roundTrips: 30, warmupTrips: 5, output: null, log: () => {} });
  for (const p of [r.direct, r.ceiling, r.relay]) {
    assert.ok(p.downloadBps > 0 && p.uploadBps > 0);
    assert.ok(p.latencyP50Ms > 0 && p.latencyP99Ms >= p.latencyP50Ms);
  }
  assert.ok(r.windowBytes > 0);
  const md = section(r);
  assert.ok(md.startsWith(START) && md.endsWith(END));
  assert.match(table(r), /\| \*\*relay\*\* \(grid connect\) \|/);
  assert.match(table(r), /\| ceiling \(3 plain pipe hops\) \|/);
  assert.match(verdictLines(r).join('\n'), /of that ceiling/);
  // CPU is counted for every role of every path (at this load a process may not reach one clock tick,
  // so only ≥ 0); direct has no middle processes, so nothing is counted there.
  for (const path of ['direct', 'ceiling', 'relay'] as const) {
    for (const role of ROLES) assert.ok(Number.isFinite(r.cpuPerGB[path][role]) && r.cpuPerGB[path][role] >= 0, `${path} ${role}`);
  }
  for (const role of ['guest agent', 'coordinator', 'host agent'] as const) assert.equal(r.cpuPerGB.direct[role], 0, role);
  assert.match(cpuTable(r), /\| ceiling \(pipe processes\) \|/);
});

test('the ceiling chain is three processes that pass bytes and half-close through, and let go of a reset connection', { timeout: 30_000 }, async () => {
  // An echo that answers 'bye' after the client's end, then ends itself.
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end('bye'));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const chain = await startPipeChain([(server.address() as { port: number }).port], freePort);
  try {
    assert.equal(new Set(chain.pids).size, 3);
    const s = connect({ port: chain.ports[0]!, host: '127.0.0.1', allowHalfOpen: true });
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    s.end(payload);
    await once(s, 'end');
    assert.equal(Buffer.concat(got).length, payload.length + 3);
    assert.equal(Buffer.concat(got).subarray(-3).toString(), 'bye');
    s.destroy();

    // A client that resets: the server's connection closes too (nothing lingers in the chain).
    const serverSide = once(server, 'connection') as Promise<[Socket]>;
    const c = connect({ port: chain.ports[0]!, host: '127.0.0.1' });
    await once(c, 'connect');
    const [remote] = await serverSide;
    const closed = once(remote, 'close');
    c.resetAndDestroy();
    await closed;
  } finally {
    await chain.stop();
    server.close();
  }
});

test('options: --mib, --rounds, --no-write, --profile; bad values are refused', () => {
  const o = parseOptions(['--mib', '8', '--rounds=2', '--no-write']);
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.equal(o.bytes, 8 * 1024 * 1024);
  assert.equal(o.rounds, 2);
  assert.equal(o.output, null);
  assert.equal(o.profileDir, null);
  const p = parseOptions(['--profile', '/tmp/x']);
  assert.equal(p !== 'help' && p.profileDir, '/tmp/x');
  assert.throws(() => parseOptions(['--profile']), /directory/);
  assert.throws(() => parseOptions(['--rounds', '0']), /whole number/);
  assert.throws(() => parseOptions(['--fast']), /unknown option/);
});
