import type { Process, ProcessEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents } from '../testing/events-socket.js';
import { databaseOutage } from '../testing/outage.js';
import { eventually, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';

const isProcessEvent = (id: string, status?: Process['status']) => (e: { type: string }) =>
  e.type === 'process' && (e as ProcessEvent).process.id === id && (status === undefined || (e as ProcessEvent).process.status === status);

/** Heartbeats a process every `everyMs` until stopped. */
function keepBeating(u: TestUser, gridId: string, id: string, everyMs: number) {
  let stop = false;
  const failures: unknown[] = [];
  const loop = (async () => {
    while (!stop) {
      await u.client.heartbeat(gridId, id).catch((e: unknown) => failures.push(e));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    failures,
    async stop() {
      stop = true;
      await loop;
    },
  };
}

describeEachEngine('liveness', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;

  before(async () => {
    t = await startTestCoordinator(engine);
    ({ alice, bob, gridId } = await twoInAGrid(t, 'liveness'));
    // Let the start-up grace window pass so expiries are live.
    await new Promise((r) => setTimeout(r, t.config.staleAfterMs));
  });
  after(() => t.close());

  test('heartbeats stop → offline within 1 s after the deadline, never before; a heartbeat brings it back online', async () => {
    const watcher = await openEvents(alice.client.withToken(bob.token).eventsUrl(gridId), bob.token);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'mc' });
    for (let i = 0; i < 3; i++) {
      await alice.client.heartbeat(gridId, p.id);
      await new Promise((r) => setTimeout(r, 100));
    }
    const offline = (await watcher.next(isProcessEvent(p.id, 'offline'))) as ProcessEvent;
    const seenAt = Date.now();
    const deadline = Date.parse(offline.process.lastHeartbeatAt) + t.config.staleAfterMs;
    assert.ok(seenAt >= deadline - 5, `offline ${deadline - seenAt} ms before its deadline`);
    assert.ok(seenAt - deadline < 1000, `offline ${seenAt - deadline} ms after its deadline`);

    const from = watcher.events.length;
    const hb = await alice.client.heartbeat(gridId, p.id);
    assert.equal(hb.status, 'online');
    await watcher.next(isProcessEvent(p.id, 'online'), 5000, from);
    assert.equal((await bob.client.getProcess(gridId, p.id)).process.status, 'online');
    watcher.close();
  });

  test('subscribers hear of a steady process once per heartbeat interval, so its last heartbeat never looks stale', async () => {
    const watcher = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'quiet' });
    await watcher.next(isProcessEvent(p.id, 'online'));
    const from = watcher.events.length;
    await new Promise((r) => setTimeout(r, t.config.heartbeatIntervalMs + 50));
    await alice.client.heartbeat(gridId, p.id);
    const fresh = (await watcher.next(isProcessEvent(p.id, 'online'), 5000, from)) as ProcessEvent;
    assert.ok(Date.parse(fresh.process.lastHeartbeatAt) > Date.parse(p.lastHeartbeatAt));
    watcher.close();
  });

  test('a process heartbeated on time never goes offline', async () => {
    const watcher = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'steady' });
    const beat = keepBeating(alice, gridId, p.id, t.config.heartbeatIntervalMs);
    await new Promise((r) => setTimeout(r, t.config.staleAfterMs * 3));
    await beat.stop();
    assert.deepEqual(beat.failures, []);
    assert.equal(watcher.events.filter(isProcessEvent(p.id, 'offline')).length, 0);
    assert.equal((await bob.client.getProcess(gridId, p.id)).process.status, 'online');
    watcher.close();
  });

  test('one structured log line per state transition', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'logged' });
    await eventually(async () => ((await bob.client.getProcess(gridId, p.id)).process.status === 'offline' ? true : undefined));
    await alice.client.heartbeat(gridId, p.id);
    await alice.client.heartbeat(gridId, p.id);
    await alice.client.unregisterProcess(gridId, p.id, { reason: 'exited', exitCode: 0 });
    const lines = t.logs.filter((l) => l.event === 'process.transition' && l.processId === p.id);
    assert.deepEqual(
      lines.map((l) => [l.from, l.to]),
      [
        ['registered', 'online'],
        ['online', 'offline'],
        ['offline', 'online'],
        ['online', 'stopped'],
      ],
    );
    assert.equal(lines[3]!.reason, 'exited');
    // The same four changes are the process's history, newest first.
    const { events } = await bob.client.processHistory(gridId, p.id);
    assert.deepEqual(
      events.map((e) => [e.from, e.to]),
      [
        ['online', 'stopped'],
        ['offline', 'online'],
        ['online', 'offline'],
        ['registered', 'online'],
      ],
    );
    assert.equal(events[0]!.reason, 'exited');
    assert.equal(events[0]!.exitCode, 0);
  });

  test('liveness uses the database clock: lastHeartbeatAt moves with heartbeats, whatever the client says', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'clock' });
    await new Promise((r) => setTimeout(r, 100));
    await alice.client.heartbeat(gridId, p.id);
    await t.coordinator.services.liveness.flush();
    const after = (await bob.client.getProcess(gridId, p.id)).process;
    assert.ok(Date.parse(after.lastHeartbeatAt) > Date.parse(p.lastHeartbeatAt));
    const [row] = await t.db.query<{ skew_ms: number }>(
      'SELECT extract(epoch FROM (now() - last_heartbeat_at)) * 1000 AS skew_ms FROM grid_processes WHERE id = $1',
      [p.id],
    );
    assert.ok(Number(row!.skew_ms) >= 0, 'stamped by the database, never in its future');
  });
});

describeEachEngine('liveness across a coordinator restart', (engine) => {
  let t: TestCoordinator;
  after(() => t.close());

  test('a restart never marks a live process offline; one whose heartbeats never resume expires after the grace window', async () => {
    t = await startTestCoordinator(engine);
    const alice = await signup(t, 'alice', 'pc1');
    const gridId = (await alice.client.createGrid({ name: 'restart' })).grid.id;
    const { process: live } = await alice.client.registerProcess(gridId, { name: 'live' });
    const { process: dead } = await alice.client.registerProcess(gridId, { name: 'dead' });
    await alice.client.heartbeat(gridId, live.id);

    // Down for longer than the stale window: both rows are past their deadline when it comes back.
    const stale = t.config.staleAfterMs;
    await t.coordinator.close();
    await new Promise((r) => setTimeout(r, stale * 1.5));
    t = await t.restart();
    const c = alice.client; // same address: the restarted coordinator took the same port
    const watcher = await openEvents(c.eventsUrl(gridId), alice.token);
    const snapshot = await watcher.next((e) => e.type === 'snapshot');
    assert.ok(snapshot.type === 'snapshot' && snapshot.processes.every((p) => p.status === 'online'));

    const beat = keepBeating({ ...alice, client: c }, gridId, live.id, t.config.heartbeatIntervalMs);
    await watcher.next(isProcessEvent(dead.id, 'offline'), stale * 5);
    await new Promise((r) => setTimeout(r, stale));
    await beat.stop();
    assert.deepEqual(beat.failures, []);
    assert.equal(watcher.events.filter(isProcessEvent(live.id, 'offline')).length, 0, 'the live one never went offline');
    assert.equal((await c.getProcess(gridId, live.id)).process.status, 'online');
    watcher.close();
  });
});

describeEachEngine('liveness through a database outage', (engine) => {
  test('heartbeats during an outage are kept; no live process goes offline; expiries wait a full window after recovery', { skip: engine === 'pglite' ? 'the embedded database cannot be unreachable' : false }, async () => {
    // A token cache much shorter than the outage: known tokens must still count while the database is away.
    // A stale window wide enough that the quiet process cannot expire between its last heartbeat and the outage.
    const t = await startTestCoordinator(engine, { GRID_TOKEN_CACHE_MS: '200', GRID_STALE_AFTER_MS: '2000', GRID_HEARTBEAT_INTERVAL_MS: '250' });
    try {
      const stale = t.config.staleAfterMs;
      const alice = await signup(t, 'alice', 'pc1');
      const gridId = (await alice.client.createGrid({ name: 'outage' })).grid.id;
      const { process: live } = await alice.client.registerProcess(gridId, { name: 'live' });
      const { process: quiet } = await alice.client.registerProcess(gridId, { name: 'quiet' });
      // Both beat through the start-up grace (a process registered a stale window ago would be due right now);
      // the quiet one falls silent just before the outage, so its deadline passes while the database is away.
      const beat = keepBeating(alice, gridId, live.id, t.config.heartbeatIntervalMs);
      const quietBeat = keepBeating(alice, gridId, quiet.id, t.config.heartbeatIntervalMs);
      await new Promise((r) => setTimeout(r, stale)); // past the start-up grace
      const watcher = await openEvents(alice.client.eventsUrl(gridId), alice.token);
      await watcher.next((e) => e.type === 'snapshot');
      await quietBeat.stop();
      assert.deepEqual(quietBeat.failures, []);

      // A real outage: the database refuses connections and the open ones are cut, for two stale windows.
      const outage = await databaseOutage(t.testDb.postgres!.name);
      await new Promise((r) => setTimeout(r, stale * 2));
      await outage.end();
      const logged = (event: string) => t.logs.find((l) => l.event === event);
      assert.ok(logged('database.failing'), 'the outage really happened (database.failing logged)');
      assert.equal(watcher.events.filter(isProcessEvent(quiet.id, 'offline')).length, 0, 'nothing expires while the database is away');

      // After recovery the quiet one gets a full window, then expires; the live one never does.
      await eventually(async () => logged('database.recovered'), stale * 8, 'database.recovered to be logged');
      await watcher.next(isProcessEvent(quiet.id, 'offline'), stale * 8);
      const offlineSeenAt = Date.now();
      await beat.stop();
      assert.ok(
        offlineSeenAt - Number(logged('database.recovered')!.time) >= stale * 0.9,
        'the overdue process expired only a full stale window after the database came back',
      );
      assert.equal(watcher.events.filter(isProcessEvent(live.id, 'offline')).length, 0, 'the live one never went offline');
      assert.deepEqual(beat.failures, [], 'heartbeats of a known process are accepted during the outage');
      await eventually(async () => ((await alice.client.getProcess(gridId, live.id)).process.status === 'online' ? true : undefined));
      watcher.close();
    } finally {
      await t.close();
    }
  });

  test('every host died during the outage: the sweep notices the database is back by itself; the overdue process expires a full window later', { skip: engine === 'pglite' ? 'the embedded database cannot be unreachable' : false }, async () => {
    // Nothing beats during or after the outage, so no flush ever writes anything: only the sweep's own probe can see the recovery.
    const t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '2000', GRID_HEARTBEAT_INTERVAL_MS: '250' });
    try {
      const stale = t.config.staleAfterMs;
      const alice = await signup(t, 'alice', 'pc1');
      const gridId = (await alice.client.createGrid({ name: 'all gone' })).grid.id;
      const { process: gone } = await alice.client.registerProcess(gridId, { name: 'gone' });
      // It beats through the start-up grace (a process registered a stale window ago would be due right now), then its
      // host dies just before the outage, so its deadline passes while the database is away.
      const beat = keepBeating(alice, gridId, gone.id, t.config.heartbeatIntervalMs);
      await new Promise((r) => setTimeout(r, stale)); // past the start-up grace
      const watcher = await openEvents(alice.client.eventsUrl(gridId), alice.token);
      await watcher.next((e) => e.type === 'snapshot');
      await beat.stop();
      assert.deepEqual(beat.failures, []);
      // Its last heartbeat written: a flush after the outage must have nothing to write (that would be a recovery signal of its own).
      await eventually(async () => (t.coordinator.services.processes.pendingCount === 0 ? true : undefined), stale * 4, 'the last heartbeat to be written');

      const outage = await databaseOutage(t.testDb.postgres!.name);
      await new Promise((r) => setTimeout(r, stale * 2));
      const reopenedFrom = Date.now();
      await outage.end();
      const logged = (event: string) => t.logs.find((l) => l.event === event);
      assert.ok(logged('database.failing'), 'the outage really happened (database.failing logged)');
      assert.equal(watcher.events.filter(isProcessEvent(gone.id, 'offline')).length, 0, 'nothing expires while the database is away');
      assert.equal(t.coordinator.services.processes.pendingCount, 0, 'no heartbeat arrived to reveal the recovery');

      const recovered = await eventually(async () => logged('database.recovered'), stale * 8, 'database.recovered to be logged');
      assert.ok(Number(recovered.time) >= reopenedFrom, 'the recovery was seen only once the database let connections in again');
      await watcher.next(isProcessEvent(gone.id, 'offline'), stale * 8);
      const offlineSeenAt = Date.now();
      assert.ok(
        offlineSeenAt - Number(recovered.time) >= stale * 0.9,
        'the overdue process expired only a full stale window after the database came back',
      );
      assert.equal((await alice.client.getProcess(gridId, gone.id)).process.status, 'offline');
      watcher.close();
    } finally {
      await t.close();
    }
  });
});
