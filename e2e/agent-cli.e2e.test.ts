import type { LocalProcessResponse, WhoAmI } from '@gridshare/protocol';
import { GridClient } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { isAlive, Pc, waitUntil } from './agent-harness.js';
import { GRID_BIN } from './serve-process.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the grid CLI and one agent', () => {
  let t: TestCoordinator;
  let pc: Pc;

  before(async () => {
    t = await startTestCoordinator('pglite', { GRID_HEARTBEAT_INTERVAL_MS: '300', GRID_STALE_AFTER_MS: '3000' });
    pc = await Pc.create('solo');
    pc.extraEnv = { GRID_LOG_MAX_BYTES: '4096' };
    await pc.ok('signup', '--server', t.url, '--username', `carol${process.pid}`, '--device-name', 'desk');
    await pc.ok('grids', 'create', 'home');
  });
  after(async () => {
    await pc?.destroy();
    await t?.close();
  });

  test('whoami, grids and members print data, and --json for scripts', async () => {
    const who = await pc.json<WhoAmI>('whoami');
    assert.equal(who.device.name, 'desk');
    assert.equal(who.server, t.url);
    assert.match(await pc.ok('whoami'), /carol\d+ on http/);
    assert.match(await pc.ok('grids'), /home\s+owner\s+1/);
    const members = await pc.json<{ members: Array<{ role: string }> }>('members', 'home');
    assert.deepEqual(members.members.map((m) => m.role), ['owner']);
  });

  test("members shows which devices are online: this PC is, while its agent's link is up", async () => {
    // The agent opens its link to the coordinator once logged in; that connection is the device's presence.
    await waitUntil(async () => /carol\d+\s+owner\s+\S+\s+desk\s*$/m.test(await pc.ok('members', 'home')), 'desk online in `grid members`');
    const { devices } = await pc.json<{ devices: Array<{ name: string; online: boolean }> }>('members', 'home');
    assert.deepEqual(devices.map((d) => [d.name, d.online]), [['desk', true]]);
    await pc.killAgent();
    const watcher = new GridClient({ baseUrl: t.url, token: (await readFile(join(pc.home, 'token'), 'utf8')).trim() });
    const gridId = (await watcher.listGrids()).grids[0]!.id;
    await waitUntil(async () => (await watcher.getGrid(gridId)).devices.every((d) => !d.online), 'desk offline once its agent is gone');
  });

  test('devices lists my logged-in devices (this PC marked); revoke logs another out at once, never this one', async () => {
    const who = await pc.json<WhoAmI>('whoami');
    const laptop = await t.anon.login({ username: who.user.username, password: 'correct horse battery', deviceName: 'laptop' });
    await pc.ok('status'); // the agent is up again (the previous test killed it), so its link makes this PC online
    await waitUntil(async () => /desk \(this PC\)\s+online/.test(await pc.ok('devices')), 'desk online in `grid devices`');
    const listed = await pc.json<{ devices: Array<{ name: string; current: boolean }> }>('devices');
    assert.deepEqual(listed.devices.map((d) => [d.name, d.current]), [['laptop', false], ['desk', true]]);

    assert.match(await pc.ok('devices', 'revoke', 'laptop'), /Logged out laptop/);
    await assert.rejects(t.anon.withToken(laptop.token).me(), /unauthorized|revoked/i);
    const self = await pc.gridAsync('devices', 'revoke', 'desk');
    assert.equal(self.status, 1);
    assert.match(self.stderr, /this PC.*grid logout/);
    const unknown = await pc.gridAsync('devices', 'revoke', 'nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no logged-in device of yours called 'nope'/);
    await pc.ok('whoami'); // this PC is still logged in
  });

  test('secrets and the socket are private: token, config and socket are 0600', async () => {
    assert.equal(await mode(join(pc.home, 'token')), 0o600);
    assert.equal(await mode(join(pc.home, 'config.json')), 0o600);
    assert.equal(await mode(join(pc.home, 'agent.sock')), 0o600);
    await pc.ok('run', '--grid', 'home', '--name', 'sleeper', '--', 'sleep', '120');
    const state = JSON.parse(await readFile(join(pc.home, 'state.json'), 'utf8')) as { version: number; processes: unknown[] };
    assert.equal(state.version, 1);
    assert.equal(await mode(join(pc.home, 'state.json')), 0o600);
  });

  test('logs: the last lines, -f follows new output, and logs rotate at the size limit', async () => {
    const script = 'i=0; while true; do i=$((i+1)); echo "line $i padding-padding-padding-padding-padding"; sleep 0.02; done';
    await pc.ok('run', '--grid', 'home', '--name', 'chatty', '--', 'sh', '-c', script);
    await waitUntil(async () => /line 5\b/.test(await pc.ok('logs', 'chatty', '-n', '200')), 'output');
    const last = (await pc.ok('logs', 'chatty', '-n', '3')).trim().split('\n');
    assert.equal(last.length, 3);

    const follow = spawn(process.execPath, [GRID_BIN, 'logs', 'chatty', '-f', '-n', '1'], { env: pc.env });
    let seen = '';
    follow.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    await waitUntil(() => seen.split('\n').filter(Boolean).length >= 5, 'followed lines');
    follow.kill();

    await waitUntil(async () => (await stat(join(pc.home, 'logs', `${await idOf('chatty')}.log.1`)).then(() => true, () => false)), 'a rotated log', 30_000);
    await pc.ok('stop', 'chatty');
  });

  async function idOf(name: string): Promise<string> {
    return (await pc.status()).processes.find((p) => p.name === name)!.id;
  }

  test('a process name in two grids is ambiguous until --grid narrows it', async () => {
    await pc.ok('grids', 'create', 'work');
    await pc.ok('run', '--grid', 'home', '--name', 'web', '--', 'sleep', '120');
    await pc.ok('run', '--grid', 'work', '--name', 'web', '--', 'sleep', '120');
    const r = await pc.gridAsync('stop', 'web');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /2 running processes are called 'web'; use --grid/);
    const stopped = await pc.json<LocalProcessResponse>('stop', 'web', '--grid', 'work');
    assert.equal(stopped.process.runtime.state, 'stopped');
    await pc.ok('stop', 'web');
  });

  test('ps --watch redraws from the coordinator’s events', async () => {
    const watch = spawn(process.execPath, [GRID_BIN, 'ps', '--watch', '--json'], { env: pc.env });
    let out = '';
    watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitUntil(() => out.includes('"processes"'), 'the first drawing');
    await pc.ok('run', '--grid', 'home', '--name', 'newcomer', '--', 'sleep', '120');
    await waitUntil(() => out.includes('"newcomer"'), 'the new process to appear in the live view');
    watch.kill();
  });

  test('SIGTERM stops the agent only: its processes keep running and are adopted again', async () => {
    const s = await pc.status();
    const sleeper = s.processes.find((p) => p.name === 'sleeper')!;
    process.kill(s.agent.pid, 'SIGTERM');
    await waitUntil(() => !isAlive(s.agent.pid), 'the agent to exit');
    assert.ok(isAlive(sleeper.runtime.pid!), 'the process lives on');
    const down = await pc.gridAsync('status');
    assert.equal(down.status, 3);
    assert.match(down.stdout, /^agent: not running/);
    await pc.ok('agent');
    const again = (await pc.status()).processes.find((p) => p.id === sleeper.id)!;
    assert.equal(again.runtime.state, 'running');
    assert.equal(again.runtime.pid, sleeper.runtime.pid);
  });

  test('a revoked token: heartbeats stop and the user is told to log in; logging in again resumes them', async () => {
    const token = (await readFile(join(pc.home, 'token'), 'utf8')).trim();
    await new GridClient({ baseUrl: t.url, token }).logout();
    await waitUntil(async () => ((await pc.status()).processes.find((p) => p.name === 'sleeper')!.runtime.message ?? '').includes('grid login'), 'the agent to notice');
    assert.match(await pc.ok('status'), /run `grid login` again/);
    const before = (await pc.status()).processes.find((p) => p.name === 'sleeper')!.runtime.heartbeatsSent;
    await pc.ok('login', '--server', t.url, '--username', (await pc.json<WhoAmI>('whoami')).user.username);
    await waitUntil(async () => (await pc.status()).processes.find((p) => p.name === 'sleeper')!.runtime.heartbeatsSent > before, 'heartbeats to resume');
  });

  test('logout forgets the token; commands that need the coordinator say how to log in', async () => {
    await pc.ok('logout');
    const r = await pc.gridAsync('whoami');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^grid: not logged in; run `grid login --server URL`\n$/);
    await assert.rejects(stat(join(pc.home, 'token')));
  });
});
