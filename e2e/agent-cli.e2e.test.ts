import type { LocalProcessResponse, WhoAmI, WhoAmIResponse } from '@gridshare/protocol';
import { GridClient } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { freePort, isAlive, Pc, waitUntil } from './agent-harness.js';
import { GRID_BIN } from './serve-process.js';
import { gridConnect } from './tunnel-harness.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Runs `grid ARGS…` with its stdout already closed, as `grid … | head -3` leaves it once head has its lines. */
function withClosedStdout(pc: Pc, ...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GRID_BIN, ...args], { env: pc.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

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

  test('grid agent --stop stops the daemon and waits for it; its processes keep running; grid agent starts it again', async () => {
    const { agent } = await pc.status();
    const out = await pc.ok('agent', '--stop');
    assert.match(out, /^Agent stopped; its processes keep running/);
    assert.ok(!isAlive(agent.pid), 'exited before the command returned');
    assert.equal((await pc.ok('agent', '--stop')).trim(), 'The agent is not running');
    const both = await pc.gridAsync('agent', '--stop', '--foreground');
    assert.equal(both.status, 1);
    assert.match(both.stderr, /--foreground and --stop do not go together/);
    await pc.ok('agent');
    assert.notEqual((await pc.status()).agent.pid, agent.pid);
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

  test('logs -n: 0 prints nothing (as tail does); anything but a whole number is one clear line', async () => {
    assert.equal((await pc.ok('logs', 'chatty', '-n', '2')).trim().split('\n').length, 2);
    assert.equal(await pc.ok('logs', 'chatty', '-n', '0'), '');
    for (const bad of ['abc', '-3']) {
      const r = await pc.gridAsync('logs', 'chatty', '-n', bad);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`'${bad}' is not a number of lines \\(a whole number, 0 or more\\)\n$`));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  test('the 8-character ids that ps and status show name a process, and the start of a grid id names a grid', async () => {
    const id = await idOf('chatty');
    assert.match(await pc.ok('status'), new RegExp(`^chatty\\s+stopped .*${id.slice(0, 8)}$`, 'm'));
    assert.match(await pc.ok('ps', '--all'), new RegExp(`chatty .*${id.slice(0, 8)}$`, 'm'));
    assert.match(await pc.ok('logs', id.slice(0, 8), '-n', '5'), /^line \d+ padding/m);
    assert.match(await pc.ok('logs', id.slice(0, 4), '-n', '5'), /^line \d+ padding/m);
    const gridId = (await pc.json<{ grids: Array<{ id: string; name: string }> }>('grids')).grids.find((g) => g.name === 'home')!.id;
    const ps = await pc.ps('--grid', gridId.slice(0, 8));
    assert.ok(ps.processes.some((e) => e.process.name === 'sleeper'));
  });

  test('a closed pipe (grid … | head) ends the CLI quietly, exit 0, for any command', async () => {
    for (const args of [['status'], ['ps', '--watch'], ['logs', 'chatty', '-f', '-n', '5']]) {
      const r = await withClosedStdout(pc, ...args);
      assert.deepEqual(r, { status: 0, stderr: '' }, `grid ${args.join(' ')}`);
    }
  });

  test('one name, several processes: the running one is meant; otherwise the error counts them by state and offers the id', async () => {
    const first = (await pc.json<LocalProcessResponse>('run', '--grid', 'home', '--name', 'napper', '--', 'sh', '-c', 'echo first; exec sleep 120')).process.id;
    await pc.ok('stop', 'napper');
    await pc.ok('run', '--grid', 'home', '--name', 'napper', '--', 'sh', '-c', 'echo second; exec sleep 120');
    await waitUntil(async () => (await pc.ok('logs', 'napper')) === 'second\n', 'the running napper’s output');
    await pc.ok('stop', 'napper');
    const third = (await pc.json<LocalProcessResponse>('run', '--grid', 'home', '--name', 'napper', '--', 'sleep', '120')).process.id;
    await pc.ok('stop', 'napper');

    const r = await pc.gridAsync('logs', 'napper');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^grid: 3 stopped processes are called 'napper'; use the id shown by `grid status`: [0-9a-f]{8}, [0-9a-f]{8}, [0-9a-f]{8}\n$/);
    const stop = await pc.gridAsync('stop', 'napper');
    assert.match(stop.stderr, /no running process called 'napper' on this PC; the 3 by that name are stopped/);
    assert.match(await pc.ok('logs', first.slice(0, 8)), /^first\n/);
    // the first and third are gone from the list (and their logs), by id prefix
    assert.equal((await pc.json<LocalProcessResponse>('rm', first.slice(0, 8))).process.id, first);
    assert.equal(await exists(join(pc.home, 'logs', `${first}.log`)), false);
    assert.match(await pc.ok('delete', third.slice(0, 8)), /^Removed napper \(.+\), stopped\n$/);
    assert.equal((await pc.status()).processes.filter((p) => p.name === 'napper').length, 1);
  });

  test('rm forgets only finished processes: a running one is refused; the one left of a name goes by its name', async () => {
    await pc.ok('restart', 'napper');
    const refused = await pc.gridAsync('rm', 'napper');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^grid: 'napper' is still running; stop it first \(grid stop napper\), then remove it\n$/);
    await pc.ok('stop', 'napper');
    await pc.ok('rm', 'napper');
    assert.equal((await pc.status()).processes.some((p) => p.name === 'napper'), false);
    assert.match(await pc.ok('rm', '--help'), /running process is refused/);
  });

  test('disconnect checks a connection id before asking the agent', async () => {
    const r = await pc.gridAsync('disconnect', 'sleeper', 'bogus-id');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^grid: 'bogus-id' is not a connection id \(the ID column of `grid connections`\)\n$/);
  });

  test('connect, when the agent dies under it: a clear line (a JSON event with --json), not "aborted"', async () => {
    const port = await freePort();
    await pc.ok('run', '--grid', 'home', '--name', 'door', '--port', String(port), '--', 'sleep', '120');
    const json = await gridConnect(pc, 'door');
    // A second session beside the first: any free local port (the first holds the process's own).
    const text = spawn(process.execPath, [GRID_BIN, 'connect', 'door', '--local-port', '0'], { env: pc.env });
    try {
      let textOut = '';
      let textErr = '';
      text.stdout.on('data', (d: Buffer) => (textOut += d.toString()));
      text.stderr.on('data', (d: Buffer) => (textErr += d.toString()));
      await waitUntil(() => textOut.includes('connect your client to'), 'the text-mode session to listen');
      const exits = [json.child, text].map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
      await pc.killAgent();
      const [jsonCode, textCode] = await Promise.all(exits);
      assert.equal(jsonCode, 1);
      assert.deepEqual(json.events.at(-1), { type: 'agent_stopped', message: 'the agent stopped; run grid connect again' });
      assert.equal(textCode, 1);
      assert.equal(textErr, 'grid: the agent stopped; run grid connect again\n');
    } finally {
      // Neither session may outlive a failure here (a live child keeps the test process up); the tests after this one need the agent
      // (`grid agent` starts it only if it is not running).
      text.kill();
      await json.stop();
      await pc.ok('agent');
    }
    await pc.ok('stop', 'door');
  });

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
    // LAST HEARTBEAT stays short ("failed … ago"); the why is in NOTE.
    assert.match(await pc.ok('status'), /\bfailed \d+[^\n]*? ago\s+heartbeats stopped: run `grid login` again/);
    const who = await pc.gridAsync('whoami');
    assert.equal(who.status, 1);
    assert.equal(who.stderr, "grid: the coordinator refused this PC's token; run `grid login` again\n");
    const before = (await pc.status()).processes.find((p) => p.name === 'sleeper')!.runtime.heartbeatsSent;
    await pc.ok('login', '--server', t.url, '--username', `carol${process.pid}`);
    assert.equal((await pc.json<WhoAmIResponse>('whoami')).coordinator, 'verified');
    await waitUntil(async () => (await pc.status()).processes.find((p) => p.name === 'sleeper')!.runtime.heartbeatsSent > before, 'heartbeats to resume');
  });

  test('logout forgets the token; commands that need the coordinator say how to log in; logging out again says so', async () => {
    assert.equal(await pc.ok('logout'), 'Logged out\n');
    const r = await pc.gridAsync('whoami');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^grid: not logged in; run `grid login --server URL`\n$/);
    await assert.rejects(stat(join(pc.home, 'token')));
    assert.equal(await pc.ok('logout'), 'Not logged in\n');
  });
});

describe('the grid CLI with bad input, broken files or no coordinator', () => {
  const pcs: Pc[] = [];
  const freshPc = async (files: Record<string, string> = {}) => {
    const pc = await Pc.create('offline');
    pcs.push(pc);
    for (const [name, text] of Object.entries(files)) await writeFile(join(pc.home, name), text, { mode: 0o600 });
    return pc;
  };
  after(() => Promise.all(pcs.map((pc) => pc.destroy())));

  const session = (server: string) =>
    JSON.stringify({
      server,
      user: { id: '11111111-0000-4000-8000-000000000000', username: 'dave', createdAt: '2026-01-01T00:00:00.000Z' },
      device: { id: '22222222-0000-4000-8000-000000000000', name: 'attic', createdAt: '2026-01-01T00:00:00.000Z', lastSeenAt: '2026-01-01T00:00:00.000Z' },
    });

  test('invite --expires and --uses are checked against the coordinator’s limits, 0 included; --help says the defaults', async () => {
    const pc = await freshPc();
    const cases: Array<[string[], RegExp]> = [
      [['--expires', '0s'], /'0s' is no time at all/],
      [['--expires', '9999d'], /--expires must be at most 30d\n$/],
      [['--expires', '30s'], /--expires must be at least 1m\n$/],
      [['--uses', '1001'], /--uses must be at most 1000\n$/],
      [['--uses', '0'], /--uses must be at least 1\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await pc.gridAsync('invite', 'home', ...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    const help = (await pc.ok('invite', '--help')).replace(/\s+/g, ' ');
    assert.match(help, /1 to 1000 \(default: no limit\)/);
    assert.match(help, /1m to 30d: 30m, 1h, 7d \(default: it never expires\)/);
  });

  test('join checks the shape of a code, in words', async () => {
    const pc = await freshPc();
    for (const code of ['BADCODE', '00000-00000']) {
      const r = await pc.gridAsync('join', code);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `grid: '${code}' is not an invite code: they look like 7KQ3M-XW9PD\n`);
    }
  });

  test('a closed pipe with no agent running keeps the status code and prints nothing', async () => {
    const pc = await freshPc();
    assert.deepEqual(await withClosedStdout(pc, 'status'), { status: 3, stderr: '' });
  });

  test('a corrupt config.json is reported as such, with the fix, not as "not logged in"', async () => {
    const pc = await freshPc({ 'config.json': 'garbage{', token: 'secret\n' });
    const r = await pc.gridAsync('whoami');
    assert.equal(r.status, 1);
    const problem = `${join(pc.home, 'config.json')} is corrupt (not valid JSON); run \`grid login --server URL\` to replace it, or delete it`;
    assert.ok(r.stderr.endsWith(`grid: ${problem}\n`), r.stderr);
    const status = await pc.ok('status');
    assert.ok(status.includes(`\nnot logged in: ${problem}\n`), status);
  });

  test('a corrupt state.json: the agent says why it cannot start, at once, without sending you to a log that says no more', async () => {
    const pc = await freshPc({ 'state.json': 'garbage{' });
    const r = await pc.gridAsync('grids');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\ngrid: the agent could not start: .*state\.json is not valid JSON; move it aside to start fresh\n$/);
    assert.doesNotMatch(r.stderr, /agent\.log/);
  });

  test('whoami with the coordinator down: the saved identity, and a clear word that it could not be checked', async () => {
    const server = `http://127.0.0.1:${await freePort()}`;
    const pc = await freshPc({ 'config.json': session(server), token: 'secret\n' });
    const r = await pc.gridAsync('whoami');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `dave on ${server} (device attic)\n`);
    assert.match(r.stderr, /could not reach the coordinator to check this PC's login \(cannot reach http:\/\/127\.0\.0\.1:\d+.*\); this is the identity saved on this PC\n$/);
    const who = await pc.json<WhoAmIResponse>('whoami');
    assert.equal(who.coordinator, 'unreachable');
    assert.equal(who.user.username, 'dave');
  });
});
