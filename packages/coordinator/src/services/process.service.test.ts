import { ApiError, type Process } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { heartbeatsWritten, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';

/** Asserts the call fails with this status and code, and gives the error back. */
async function rejects(p: Promise<unknown>, status: number, code: string): Promise<ApiError> {
  const err = await p.then(
    () => assert.fail(`expected ${status} ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError && err.status === status && err.code === code, `expected ${status} ${code}, got ${String(err)}`);
  return err;
}

describeEachEngine('process registry', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;

  before(async () => {
    // Nothing here is about expiry: a stale window no slow request can outlast, so what was registered stays online.
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '60000' });
    ({ alice, bob, gridId } = await twoInAGrid(t, 'friends'));
  });
  after(() => t.close());

  test('register → 201 online with the host user and device; the other member sees it', async () => {
    const res = await fetch(`${t.url}/api/v1/grids/${gridId}/processes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'minecraft', kind: 'minecraft', ports: [{ port: 25565 }], command: 'java -jar server.jar' }),
    });
    assert.equal(res.status, 201);
    const { process: p } = (await res.json()) as { process: Process };
    assert.equal(p.status, 'online');
    assert.equal(p.hostUsername, alice.user.username);
    assert.equal(p.hostDeviceName, 'pc1');
    assert.deepEqual(p.ports, [{ port: 25565, protocol: 'tcp' }]);
    assert.ok(Math.abs(Date.parse(p.lastHeartbeatAt) - Date.now()) < 60_000);
    const seen = await bob.client.getProcess(gridId, p.id);
    assert.equal(seen.process.status, 'online');
    assert.equal(seen.process.hostDeviceName, 'pc1');
  });

  test('the same id from the same device again → 200, online again; from another device → 409', async () => {
    const id = randomUUID();
    const first = await alice.client.registerProcess(gridId, { id, name: 'dev server' });
    await alice.client.unregisterProcess(gridId, id, { reason: 'exited', exitCode: 0 });
    const res = await fetch(`${t.url}/api/v1/grids/${gridId}/processes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: 'dev server' }),
    });
    assert.equal(res.status, 200);
    const again = ((await res.json()) as { process: Process }).process;
    assert.equal(again.status, 'online');
    assert.equal(again.stoppedAt, null);
    assert.equal(again.id, first.process.id);
    await rejects(bob.client.registerProcess(gridId, { id, name: 'hijack' }), 409, 'process_id_conflict');
    const list = await bob.client.listProcesses(gridId);
    assert.equal(list.processes.filter((p) => p.id === id).length, 1, 'registered once');
  });

  test('heartbeat → 200 with the intervals; only the host device; health is stored', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'web' });
    const hb = await alice.client.heartbeat(gridId, p.id, { health: { alive: true, pid: 4242, cpuPercent: 1.5 } });
    assert.deepEqual(hb, { status: 'online', heartbeatIntervalMs: t.config.heartbeatIntervalMs, staleAfterMs: t.config.staleAfterMs });
    await rejects(bob.client.heartbeat(gridId, p.id), 403, 'forbidden');
    await heartbeatsWritten(t);
    const stored = await bob.client.getProcess(gridId, p.id);
    assert.deepEqual(stored.process.health, { alive: true, pid: 4242, cpuPercent: 1.5 });
  });

  test('DELETE → 200 stopped with reason and exit code; a heartbeat after that is 410 process_stopped (the host must not register it again)', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'job' });
    await alice.client.heartbeat(gridId, p.id);
    const { process: stopped } = await alice.client.unregisterProcess(gridId, p.id, { reason: 'crashed', exitCode: 3 });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.stopReason, 'crashed');
    assert.equal(stopped.exitCode, 3);
    assert.ok(stopped.stoppedAt);
    const err = await rejects(alice.client.heartbeat(gridId, p.id), 410, 'process_stopped');
    assert.match(err.message, /stopped \(crashed\)/);
    // Anyone but its host learns nothing new.
    await rejects(bob.client.heartbeat(gridId, p.id), 404, 'process_not_found');
    // Stopping twice is not an error.
    assert.equal((await alice.client.unregisterProcess(gridId, p.id)).process.status, 'stopped');
  });

  test('a heartbeat for an unknown process is 404 process_not_found', async () => {
    await rejects(alice.client.heartbeat(gridId, randomUUID()), 404, 'process_not_found');
  });

  test('owner force-stops a member’s process; a plain member cannot stop another’s', async () => {
    const { process: p } = await bob.client.registerProcess(gridId, { name: 'bobs' });
    const { process: mine } = await alice.client.registerProcess(gridId, { name: 'alices' });
    await rejects(bob.client.unregisterProcess(gridId, mine.id), 403, 'forbidden');
    await bob.client.heartbeat(gridId, p.id); // known and online on this coordinator: the fast path
    const { process: stopped } = await alice.client.unregisterProcess(gridId, p.id, { reason: 'crashed', exitCode: 9 });
    assert.equal(stopped.stopReason, 'force_stopped');
    assert.equal(stopped.exitCode, null);
    // The host hears it with its next heartbeat, and why: its agent stops the process instead of registering it again.
    const err = await rejects(bob.client.heartbeat(gridId, p.id), 410, 'process_stopped');
    assert.equal(err.message, 'a grid owner or admin stopped this process');
    assert.equal((await bob.client.getProcess(gridId, p.id)).process.status, 'stopped', 'and it stays stopped');
  });

  test('list filters by status; a process id under another grid is 404', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'listed' });
    const { process: ended } = await alice.client.registerProcess(gridId, { name: 'ended' });
    await alice.client.unregisterProcess(gridId, ended.id);
    const online = await bob.client.listProcesses(gridId, { status: 'online' });
    assert.ok(online.processes.some((x) => x.id === p.id));
    assert.ok(!online.processes.some((x) => x.id === ended.id));
    assert.ok(online.processes.every((x) => x.status === 'online'));
    const stopped = await bob.client.listProcesses(gridId, { status: 'stopped' });
    assert.ok(stopped.processes.length > 0 && stopped.processes.some((x) => x.id === ended.id), 'the stopped one is listed');
    assert.ok(!stopped.processes.some((x) => x.id === p.id));
    assert.ok(stopped.processes.every((x) => x.status === 'stopped'));
    const other = (await alice.client.createGrid({ name: 'other' })).grid.id;
    await rejects(alice.client.getProcess(other, p.id), 404, 'process_not_found');
    await rejects(alice.client.heartbeat(other, p.id), 404, 'process_not_found');
    await rejects(alice.client.unregisterProcess(other, p.id), 404, 'process_not_found');
  });

  test('no grid-level hosting exists: claim-host, release-host and grid heartbeat are 404', async () => {
    for (const path of ['claim-host', 'release-host', 'heartbeat']) {
      const res = await fetch(`${t.url}/api/v1/grids/${gridId}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}` },
      });
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
    }
    const { grid } = await alice.client.getGrid(gridId);
    assert.deepEqual(Object.keys(grid).sort(), ['createdAt', 'createdBy', 'id', 'name']);
  });

  test('the history keeps the newest 100 state changes', async () => {
    const id = randomUUID();
    for (let i = 0; i < 55; i++) {
      await alice.client.registerProcess(gridId, { id, name: 'cycler' });
      await alice.client.unregisterProcess(gridId, id, { reason: 'exited', exitCode: i });
    }
    const { events } = await bob.client.processHistory(gridId, id);
    assert.equal(events.length, 100);
    assert.equal(events[0]!.exitCode, 54, 'newest first');
    await rejects(bob.client.processHistory(gridId, randomUUID()), 404, 'process_not_found');
  });
});
