import type { LocalProcessResponse, ProcessEvent } from '@gridshare/protocol';
import type { StateFile } from '../packages/agent/src/state/state-store.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openEvents, type EventsSocket } from '../packages/coordinator/src/testing/events-socket.js';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { GridClient } from '@gridshare/protocol';
import { AGENT_ENV, echoServerCommand, freePort, isAlive, killGroup, Pc, waitUntil, waitUntilValue } from './agent-harness.js';

const isEvent = (id: string, status: string) => (e: { type: string }) =>
  e.type === 'process' && (e as ProcessEvent).process.id === id && (e as ProcessEvent).process.status === status;

function echo(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(text));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

describe('two PCs, two agents, one grid', () => {
  let t: TestCoordinator;
  let pc1: Pc;
  let pc2: Pc;
  let watch: EventsSocket;
  let gridId: string;
  let aliceToken: string;

  const watchFromNow = () => watch.events.length;

  before(async () => {
    // A stale window long enough for a SIGKILLed agent to be started again in it on a loaded machine (CLI runs, a daemon start).
    t = await startTestCoordinator('pglite', { GRID_HEARTBEAT_INTERVAL_MS: '1000', GRID_STALE_AFTER_MS: '30000' });
    pc1 = await Pc.create('pc1');
    pc2 = await Pc.create('pc2');
    await pc1.ok('signup', '--server', t.url, '--username', `alice${process.pid}`, '--device-name', 'pc1');
    await pc2.ok('signup', '--server', t.url, '--username', `bob${process.pid}`, '--device-name', 'pc2');
    gridId = (await pc1.json<{ grid: { id: string } }>('grids', 'create', 'lan')).grid.id;
    const { invite } = await pc1.json<{ invite: { code: string } }>('invite', 'lan', '--uses', '1');
    await pc2.ok('join', invite.code);
    aliceToken = (await readFile(join(pc1.home, 'token'), 'utf8')).trim();
    watch = await openEvents(new GridClient({ baseUrl: t.url }).eventsUrl(gridId), aliceToken);
    await watch.next((e) => e.type === 'snapshot');
  });

  after(async () => {
    watch?.close();
    await pc1?.destroy();
    await pc2?.destroy();
    await t?.close();
  });

  test('PC1 runs a TCP server; PC2 sees it online with PC1’s user and device', async () => {
    const port = await freePort();
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'echo', '--port', String(port), '--', ...echoServerCommand(port));
    assert.equal(p.runtime.state, 'running');
    await waitUntil(async () => (await echo(port, 'hi').catch(() => '')) === 'hi', 'the echo server');
    const ps = await pc2.ps();
    const row = ps.processes.find((r) => r.process.id === p.id);
    assert.ok(row, 'PC2 sees it');
    assert.equal(row.process.status, 'online');
    assert.equal(row.process.hostDeviceName, 'pc1');
    assert.match(row.process.hostUsername, /^alice/);
    assert.equal(row.gridName, 'lan');
    await waitUntil(async () => (await pc2.ps()).processes.find((r) => r.process.id === p.id)?.process.health?.ports?.[0]?.open === true, 'health with the port open');
  });

  test('PC1’s agent is SIGKILLed and started again: the process keeps running, heartbeats resume, never offline', async () => {
    const status = await pc1.status();
    const before = status.processes.find((p) => p.name === 'echo')!;
    const from = watchFromNow();
    const killedAt = Date.now();
    process.kill(status.agent.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(status.agent.pid), 'the agent to die');
    await pc1.ok('agent'); // starts it again in the background and waits for it
    const again = (await pc1.status()).processes.find((p) => p.id === before.id)!;
    assert.equal(again.runtime.pid, before.runtime.pid, 'the same process, adopted');
    assert.equal(again.runtime.state, 'running');
    await waitUntil(async () => (await pc1.status()).processes.find((p) => p.id === before.id)!.runtime.heartbeatsSent > before.runtime.heartbeatsSent, 'heartbeats to resume');
    const resumedAfterMs = Date.now() - killedAt;
    assert.ok(resumedAfterMs < t.config.staleAfterMs, `the premise: the agent was back within the stale window (took ${resumedAfterMs} ms)`);
    await new Promise((r) => setTimeout(r, t.config.staleAfterMs + 500));
    assert.equal(watch.events.slice(from).filter(isEvent(before.id, 'offline')).length, 0, 'never offline');
    const log = await readFile(join(pc1.home, 'agent.log'), 'utf8');
    assert.match(log, /🔄 Resuming heartbeats for all running processes\.\.\./);
    assert.match(log, new RegExp(`🫀 Starting process heartbeat for process ${before.id}`));
    assert.match(log, /✅ Heartbeat resumption complete/);
  });

  test('the coordinator restarts mid-run: agents carry on, nothing goes offline, nothing is registered twice', async () => {
    const echoId = (await pc1.status()).processes.find((p) => p.name === 'echo')!.id;
    watch.close();
    t = await t.restart();
    watch = await openEvents(new GridClient({ baseUrl: t.url }).eventsUrl(gridId), aliceToken);
    await watch.next((e) => e.type === 'snapshot');
    const from = watchFromNow();
    await new Promise((r) => setTimeout(r, t.config.staleAfterMs * 2 + 500)); // past the grace window and another stale window
    assert.equal(watch.events.slice(from).filter(isEvent(echoId, 'offline')).length, 0, 'never offline');
    const ps = await pc2.ps();
    assert.equal(ps.processes.filter((r) => r.process.name === 'echo').length, 1, 'registered once');
    assert.equal(ps.processes.find((r) => r.process.id === echoId)!.process.status, 'online');
  });

  test('a crash is reported at once: PC2 sees it stopped with the exit code', async () => {
    const from = watchFromNow();
    const started = Date.now();
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'crasher', '--', 'sh', '-c', 'sleep 0.5; exit 3');
    const ev = (await watch.next(isEvent(p.id, 'stopped'), 30_000, from)) as ProcessEvent;
    assert.equal(ev.process.exitCode, 3);
    assert.equal(ev.process.stopReason, 'crashed');
    // Reported by the agent when it happens — not left to expire after the stale window.
    assert.ok(Date.now() - started < t.config.staleAfterMs, `reported after ${Date.now() - started} ms`);
    const row = (await pc2.ps('--all')).processes.find((r) => r.process.id === p.id)!;
    assert.equal(row.process.status, 'stopped');
    assert.equal(row.process.exitCode, 3);
  });

  test('--restart on-failure brings a crashed process back; a crash loop ends in errored', async () => {
    const marker = join(pc1.home, 'crashed-once');
    const from = watchFromNow();
    const { process: once } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'flaky', '--restart', 'on-failure', '--', 'sh', '-c', `if [ -f ${marker} ]; then exec sleep 60; else touch ${marker}; exit 5; fi`);
    const stopped = await watch.next(isEvent(once.id, 'stopped'), 30_000, from);
    // Online again after that stop (it may already be in, after the stop and before this line runs).
    const back = watch.events.indexOf(stopped, from) + 1;
    await watch.next(isEvent(once.id, 'online'), 30_000, back);
    await waitUntil(async () => (await pc1.status()).processes.find((p) => p.id === once.id)?.runtime.state === 'running', 'flaky to be running again');

    const { process: loop } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'looper', '--restart', 'on-failure', '--', 'sh', '-c', 'exit 7');
    await waitUntil(async () => (await pc1.status()).processes.find((p) => p.id === loop.id)?.runtime.state === 'errored', 'the crash loop to be errored');
    const st = (await pc1.status()).processes.find((p) => p.id === loop.id)!;
    assert.match(st.runtime.message ?? '', /3 times in a row/);
    assert.equal(st.runtime.lastExit?.code, 7);
    const text = await pc1.ok('status');
    assert.match(text, /looper\s+errored/);
    const row = (await pc1.ps('--all')).processes.find((r) => r.process.id === loop.id)!;
    assert.equal(row.process.status, 'stopped');
    assert.equal(row.local?.runtime.state, 'errored');
  });

  test('grid restart: the new copy is the one tracked, the old one is gone, and the grid never sees it stopped', async () => {
    const from = watchFromNow();
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'restarter', '--', 'sh', '-c', 'exec sleep 600');
    const pids = [p.runtime.pid!];
    for (let i = 0; i < 3; i++) {
      const { process: r } = await pc1.json<LocalProcessResponse>('restart', 'restarter');
      assert.equal(r.runtime.state, 'running');
      assert.ok(r.runtime.pid !== null && !pids.includes(r.runtime.pid), `restart ${i + 1} started a new copy`);
      pids.push(r.runtime.pid);
    }
    // Another lifecycle step of the same process runs after anything the restarts queued (such as the old copy's exit).
    await pc1.ok('private', 'restarter', 'on');
    const st = (await pc1.status()).processes.find((x) => x.id === p.id)!;
    assert.deepEqual({ state: st.runtime.state, pid: st.runtime.pid, restarts: st.runtime.restarts }, { state: 'running', pid: pids.at(-1), restarts: 3 });
    assert.ok(isAlive(pids.at(-1)!), 'the last copy runs');
    for (const old of pids.slice(0, -1)) assert.ok(!isAlive(old), `the replaced copy ${old} was stopped`);
    assert.ok(!watch.events.slice(from).some(isEvent(p.id, 'stopped')), 'the grid never saw it stopped');
    await pc1.ok('stop', 'restarter');
    assert.ok(!isAlive(pids.at(-1)!), 'grid stop still reaches the tracked copy');
  });

  test('grid stop makes it stopped at once on PC2, and the process is gone', async () => {
    const st = (await pc1.status()).processes.find((p) => p.name === 'flaky')!;
    await pc1.ok('stop', 'flaky');
    const row = (await pc2.ps('--all')).processes.find((r) => r.process.id === st.id)!;
    assert.equal(row.process.status, 'stopped');
    assert.equal(row.process.stopReason, 'stopped');
    await waitUntil(() => !isAlive(st.runtime.pid!), 'the process to exit');
  });

  test('a grid owner force-stops it from another device: the host agent stops the process and never brings it back', async () => {
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'forced', '--restart', 'always', '--', 'sleep', '600');
    const pid = p.runtime.pid!;
    // Alice in a browser: another device of the grid's owner, so its stop is a force-stop.
    const browser = await t.anon.login({ username: (await pc1.json<{ user: { username: string } }>('whoami')).user.username, password: AGENT_ENV.GRID_PASSWORD, deviceName: 'browser' });
    const owner = new GridClient({ baseUrl: t.url, token: browser.token });
    assert.equal((await owner.unregisterProcess(gridId, p.id)).process.stopReason, 'force_stopped');

    await waitUntil(() => !isAlive(pid), 'the host agent to stop the process (its next heartbeat hears it)', 30_000);
    const local = await waitUntilValue(async () => (await pc1.status()).processes.find((x) => x.id === p.id && x.runtime.state === 'stopped'));
    assert.match(local.runtime.message ?? '', /stopped in the grid: a grid owner or admin stopped this process/);
    assert.match(await pc1.ok('ps', '--all'), /forced\s+stopped.*force-stopped by a grid owner or admin/);
    assert.match(await readFile(join(pc1.home, 'agent.log'), 'utf8'), /🛑 Process \S+ was stopped in its grid: a grid owner or admin stopped this process; stopping it here/);

    // Not restarted by its policy, not registered again — also not by an agent restart.
    await pc1.killAgent();
    await pc1.ok('agent');
    await new Promise((r) => setTimeout(r, 3 * t.config.heartbeatIntervalMs));
    const after = await owner.getProcess(gridId, p.id);
    assert.equal(after.process.status, 'stopped');
    assert.equal(after.process.stopReason, 'force_stopped');
    assert.equal((await pc1.status()).processes.find((x) => x.id === p.id)?.runtime.state, 'stopped');
  });

  test('a member removed from the grid: their agent stops what it hosted there', async () => {
    const { process: p } = await pc2.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'guest-job', '--', 'sleep', '600');
    const pid = p.runtime.pid!;
    const alice = new GridClient({ baseUrl: t.url, token: aliceToken });
    const bob = (await pc2.json<{ user: { id: string } }>('whoami')).user;
    await alice.removeMember(gridId, bob.id);
    await waitUntil(() => !isAlive(pid), 'the removed member’s agent to stop the process', 30_000);
    const local = await waitUntilValue(async () => (await pc2.status()).processes.find((x) => x.id === p.id && x.runtime.state === 'stopped'));
    assert.match(local.runtime.message ?? '', /stopped in the grid: the grid is gone, or this user is no longer in it/);
    // Bob back in the grid for the tests after this one.
    const { invite } = await pc1.json<{ invite: { code: string } }>('invite', 'lan', '--uses', '1');
    await pc2.ok('join', invite.code);
  });

  test('grid share --port shares a server that is already running; when it exits PC2 sees it stopped', async () => {
    const port = await freePort();
    const [cmd, ...args] = echoServerCommand(port);
    const server = spawn(cmd!, args, { detached: true, stdio: 'ignore' });
    // Not ours to wait for: a failure below must not leave it holding the test process open.
    server.unref();
    try {
      await waitUntil(async () => (await echo(port, 'x').catch(() => '')) === 'x', 'the outside server');
      const { process: p } = await pc1.json<LocalProcessResponse>('share', '--grid', 'lan', '--name', 'outside', '--port', String(port));
      assert.equal(p.runtime.pid, server.pid);
      const row = (await pc2.ps()).processes.find((r) => r.process.id === p.id)!;
      assert.equal(row.process.status, 'online');
      const from = watchFromNow();
      killGroup(server.pid!, 'SIGTERM');
      await watch.next(isEvent(p.id, 'stopped'), 30_000, from);
    } finally {
      killGroup(server.pid!);
    }
  });

  test('the agent and its process both die: PC2 sees it offline after the stale window', async () => {
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'doomed', '--', 'sleep', '60');
    const from = watchFromNow();
    await pc1.killAgent();
    killGroup(p.runtime.pid!);
    const ev = (await watch.next(isEvent(p.id, 'offline'), t.config.staleAfterMs * 3, from)) as ProcessEvent;
    assert.equal(ev.process.status, 'offline');
    assert.equal((await pc2.ps()).processes.find((r) => r.process.id === p.id)?.process.status, 'offline');
    // The agent comes back, finds it dead, and reports it stopped.
    await pc1.ok('agent');
    await watch.next(isEvent(p.id, 'stopped'), 30_000, from);
  });

  test('a dead process whose PID was reused by another program is not adopted', async () => {
    const { process: p } = await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'reused', '--', 'sleep', '60');
    await pc1.killAgent();
    killGroup(p.runtime.pid!);
    await waitUntil(() => !isAlive(p.runtime.pid!), 'the process to die');
    // Another program now holds the PID the state file names (we cannot choose PIDs, so we point the record at one).
    const impostor = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const statePath = join(pc1.home, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as StateFile;
    state.processes.find((x) => x.id === p.id)!.runtime.pid = impostor.pid!;
    await writeFile(statePath, JSON.stringify(state));
    try {
      const from = watchFromNow();
      await pc1.ok('agent');
      const rec = (await pc1.status()).processes.find((x) => x.id === p.id)!;
      assert.notEqual(rec.runtime.state, 'running');
      assert.equal(rec.runtime.pid, null);
      assert.ok(isAlive(impostor.pid!), 'the other program is left alone');
      await watch.next(isEvent(p.id, 'stopped'), 30_000, from);
    } finally {
      killGroup(impostor.pid!);
    }
  });

  test('bad arguments: one clear line and a non-zero exit', async () => {
    const cases: string[][] = [
      ['run', '--grid', 'lan', '--name', 'x', '--port', '99999', '--', 'true'],
      ['run', '--grid', 'lan', '--', 'true'],
      ['run', '--grid', 'lan', '--name', 'x', '--restart', 'sometimes', '--', 'true'],
      ['run', '--grid', 'nosuchgrid', '--name', 'x', '--', 'true'],
      ['run', '--grid', 'lan', '--name', 'x', '--', 'definitely-not-a-command-xyz'],
      ['stop', 'no-such-process'],
      ['invite', 'lan', '--expires', 'soon'],
      ['share', '--grid', 'lan', '--name', 'y', '--port', '1'],
      ['frobnicate'],
    ];
    for (const args of cases) {
      const r = await pc1.gridAsync(...args);
      assert.notEqual(r.status, 0, args.join(' '));
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('starting the grid agent'));
      assert.equal(lines.length, 1, `${args.join(' ')} → ${r.stderr}`);
    }
  });
});
