import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MinecraftHealth } from './minecraft-ping.js';
import { MinecraftProbe } from './minecraft-probe.js';

const up: MinecraftHealth = { reachable: true, version: '1.21', playersOnline: 1, playersMax: 10 };
const down: MinecraftHealth = { reachable: false, error: 'nothing listens on port 1' };

test('kind minecraft: pinged on its first declared port every time; a server that does not answer is reported as such', async () => {
  const asked: number[] = [];
  const probe = new MinecraftProbe(async (port) => (asked.push(port), port === 25565 ? up : down));
  assert.deepEqual(await probe.sample('minecraft', 1, [{ port: 25565, open: true }, { port: 8080, open: true }]), up);
  assert.deepEqual(await probe.sample('minecraft', 1, [{ port: 25565, open: true }]), up);
  assert.deepEqual(asked, [25565, 25565]);
  const closed = new MinecraftProbe(async () => down);
  assert.deepEqual(await closed.sample('minecraft', 1, [{ port: 25565, open: false }]), down);
});

test('other kinds: each open declared port is probed once per run; one that answers is pinged from then on', async () => {
  const asked: number[] = [];
  const probe = new MinecraftProbe(async (port) => (asked.push(port), port === 25566 ? up : down));
  const ports = [{ port: 8080, open: true }, { port: 25566, open: false }];
  assert.equal(await probe.sample('generic', 7, ports), undefined, 'an HTTP port is not Minecraft');
  assert.equal(await probe.sample('generic', 7, ports), undefined, 'and is not asked again; the closed port waits');
  assert.deepEqual(asked, [8080]);
  ports[1]!.open = true;
  assert.deepEqual(await probe.sample('generic', 7, ports), up);
  assert.deepEqual(await probe.sample('generic', 7, ports), up);
  assert.deepEqual(asked, [8080, 25566, 25566]);
});

test('a slow answer never holds a heartbeat more than a second: the next one carries it', async () => {
  let release!: () => void;
  const probe = new MinecraftProbe(() => new Promise((r) => (release = () => r(up))));
  const started = Date.now();
  assert.equal(await probe.sample('minecraft', 1, [{ port: 25565, open: true }]), undefined);
  assert.ok(Date.now() - started < 2_000);
  release();
  await new Promise((r) => setImmediate(r));
  const next = new Promise<MinecraftHealth | undefined>((r) => void probe.sample('minecraft', 1, [{ port: 25565, open: true }]).then(r));
  release();
  assert.deepEqual(await next, up);
});
