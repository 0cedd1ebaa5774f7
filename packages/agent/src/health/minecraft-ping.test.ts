import { ProcessHealth } from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { startFakeMinecraft } from '../testing/fake-minecraft-server.js';
import { pingMinecraft, plainText, readVarInt, summarize, writeVarInt } from './minecraft-ping.js';

describe('Minecraft Server List Ping', () => {
  test('VarInts round-trip, including negatives as 5 bytes', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => assert.deepEqual(readVarInt(writeVarInt(n)), { value: n, size: writeVarInt(n).length })));
    assert.deepEqual([...writeVarInt(-1)], [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual([...writeVarInt(300)], [0xac, 0x02]);
    assert.equal(readVarInt(Buffer.from([0x80])), null, 'incomplete');
    assert.throws(() => readVarInt(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])));
  });

  test('a server that speaks the protocol: version, players, sample, MOTD without formatting, latency', async () => {
    const fake = await startFakeMinecraft();
    try {
      const h = await pingMinecraft(fake.port);
      assert.equal(h.reachable, true, JSON.stringify(h));
      assert.equal(h.version, '1.21.4');
      assert.equal(h.protocol, 769);
      assert.equal(h.playersOnline, 2);
      assert.equal(h.playersMax, 20);
      assert.deepEqual(h.sample, ['Steve', 'Alex']);
      assert.equal(h.motd, 'A fake server');
      assert.ok(typeof h.latencyMs === 'number' && h.latencyMs >= 0);
      assert.equal(h.error, undefined);
    } finally {
      await fake.close();
    }
  });

  test('no pong after the status: still reachable, without latency', async () => {
    const fake = await startFakeMinecraft(0, { noPong: true, status: { version: { name: 'Paper 1.20', protocol: 763 }, players: { online: 0, max: 8 }, description: 'plain motd' } });
    try {
      const h = await pingMinecraft(fake.port);
      assert.deepEqual(h, { reachable: true, version: 'Paper 1.20', protocol: 763, playersOnline: 0, playersMax: 8, motd: 'plain motd' });
    } finally {
      await fake.close();
    }
  });

  test('nothing listening, something else listening, or silence: reachable false with the reason', async () => {
    const closed = await startFakeMinecraft();
    await closed.close();
    const refused = await pingMinecraft(closed.port);
    assert.equal(refused.reachable, false);
    assert.match(refused.error ?? '', /nothing listens/);

    const http = await startFakeMinecraft(0, { garbage: true });
    const silent = await startFakeMinecraft(0, { silent: true });
    try {
      const g = await pingMinecraft(http.port);
      assert.equal(g.reachable, false);
      assert.match(g.error ?? '', /not the Minecraft protocol|closed/);
      const s = await pingMinecraft(silent.port, 300);
      assert.deepEqual(s, { reachable: false, error: 'no answer within 300 ms' });
    } finally {
      await http.close();
      await silent.close();
    }
  });

  test('an echo server is not taken for Minecraft', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const h = await pingMinecraft((echo.address() as { port: number }).port, 1000);
      assert.equal(h.reachable, false);
    } finally {
      echo.close();
    }
  });

  test('odd status JSON is reduced to what the health schema allows', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `player${i}` }));
    const h = summarize({ version: { name: 'x'.repeat(500), protocol: 'nope' }, players: { online: -3, max: 1.5, sample: [...many, { name: 5 }, null] }, description: [{ text: '§l' }, 'm'.repeat(900)] }, 12.345);
    assert.equal(h.version?.length, 128);
    assert.equal(h.protocol, undefined);
    assert.equal(h.playersOnline, undefined);
    assert.equal(h.playersMax, undefined);
    assert.equal(h.sample?.length, 12);
    assert.equal(h.motd?.length, 512);
    assert.equal(h.latencyMs, 12.3);
    assert.equal(plainText({ text: 'a', extra: [{ text: '§cb', extra: ['c'] }] }), 'abc');
  });

  test('a hostile server cannot steer the terminal of whoever runs grid ps: control and hidden characters go, the health stays valid', () => {
    const esc = '\u001b]0;pwned\u0007\u001b[2J\u001b[31m';
    const h = summarize({ version: { name: `1.21${esc}` }, players: { online: 1, max: 2, sample: [{ name: `Ste\u202eve${esc}` }] }, description: `Line one${esc}\nline two\u0000` }, undefined);
    assert.equal(h.version, '1.21]0;pwned[2J[31m');
    assert.deepEqual(h.sample, ['Ste' + 've]0;pwned[2J[31m']);
    assert.equal(h.motd, 'Line one]0;pwned[2J[31m\nline two', 'the MOTD keeps its line break');
    assert.ok(Value.Check(ProcessHealth, { minecraft: h }), 'what the coordinator accepts');
    assert.ok(!Value.Check(ProcessHealth, { minecraft: { reachable: true, version: `1.21${esc}` } }), 'and it refuses the raw text');
  });
});
