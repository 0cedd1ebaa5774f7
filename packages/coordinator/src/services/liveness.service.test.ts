import type { Process, ProcessEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents } from '../testing/events-socket.js';
import { databaseOutage } from '../testing/outage.js';
import { eventually, heartbeatsWritten, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';

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

  test('heartbeats stop → offline once the deadline has passed, never before; a heartbeat brings it back online', async () => {
    const stale = t.config.staleAfterMs;
    const watcher = await openEvents(alice.client.withToken(bob.token).eventsUrl(gridId), bob.token);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'mc' });
    let afterLastBeat = 0;
    for (let i = 0; i < 3; i++) {
      await alice.client.heartbeat(gridId, p.id);
      afterLastBeat = watcher.events.length;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The expiry after the last heartbeat (a request slow enough to let it expire between heartbeats came before).
    const offline = (await watcher.next(isProcessEvent(p.id, 'offline'), stale * 2 + 15_000, afterLastBeat)) as ProcessEvent;
    const seenAt = Date.now();
    const deadline = Date.parse(offline.process.lastHeartbeatAt) + stale;
    assert.ok(seenAt >= deadline - 5, `offline ${deadline - seenAt} ms before its deadline`);
    // Not a timing bound (a loaded machine lags): only that the expiry comes round at all, well within a window or so.
    assert.ok(seenAt - deadline < stale + 5000, `offline ${seenAt - deadline} ms after its deadline`);

    const from = watcher.events.length;
    const hb = await alice.client.heartbeat(gridId, p.id);
    assert.equal(hb.status, 'online');
    await watcher.next(isProcessEvent(p.id, 'online'), 5000, from);
    assert.equal((await bob.client.getProcess(gridId, p.id)).process.status, 'online');
    watcher.close();
  });

  test('subscribers hear of a steady process once per heartbeat interval, so its last heartbeat never looks stale, and no more often', async () => {
    const interval = t.config.heartbeatIntervalMs;
    const watcher = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'quiet' });
    await watcher.next(isProcessEvent(p.id, 'online'));
    let from = watcher.events.length;
    await new Promise((r) => setTimeout(r, interval + 50));
    await alice.client.heartbeat(gridId, p.id);
    const fresh = (await watcher.next(isProcessEvent(p.id, 'online'), 5000, from)) as ProcessEvent;
    assert.ok(Date.parse(fresh.process.lastHeartbeatAt) > Date.parse(p.lastHeartbeatAt));

    // A flood of heartbeats with nothing notable in them: at most one event per interval of the time they took.
    from = watcher.events.length;
    const start = Date.now();
    let beats = 0;
    while (Date.now() - start < interval * 5) {
      await alice.client.heartbeat(gridId, p.id);
      beats++;
    }
    const end = Date.now();
    // A notable change goes out at once; once it is here, so is every event of the flood (one socket, in order).
    await alice.client.heartbeat(gridId, p.id, { health: { alive: true } });
    const marker = await watcher.next((e) => isProcessEvent(p.id)(e) && (e as ProcessEvent).process.health !== null, 10_000, from);
    const flood = watcher.events.slice(from, watcher.events.indexOf(marker)).filter(isProcessEvent(p.id));
    // Every periodic event was sent while a heartbeat was handled, between start and end, an interval or more after the one
    // before: at most floor((end - start) / interval) + 1 of them. A request slow enough to let the process expire adds an
    // offline event and the revival's online event (which is not rate-limited): one of each per expiry.
    const expiries = flood.filter(isProcessEvent(p.id, 'offline')).length;
    const online = flood.length - expiries;
    const most = Math.floor((end - start) / interval) + 1 + expiries;
    assert.ok(online <= most, `${online} events for ${beats} heartbeats in ${end - start} ms (interval ${interval} ms; ${expiries} expiries): at most ${most}`);
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
    const logged = lines.map((l) => [l.from, l.to]);
    // Normally exactly registered → online → offline → online → stopped. The stale window is short, so a request that takes
    // longer than it (a loaded machine) lets the process expire again between the heartbeats and the stop: an extra
    // online → offline (and offline → online, if a heartbeat follows), and the stop is then offline → stopped. Whatever
    // happened, each change starts where the one before ended: none is missing or logged twice.
    assert.deepEqual(logged.slice(0, 3), [
      ['registered', 'online'],
      ['online', 'offline'],
      ['offline', 'online'],
    ]);
    assert.equal(logged.at(-1)![1], 'stopped');
    for (let i = 1; i < logged.length; i++) assert.equal(logged[i]![0], logged[i - 1]![1], `transition ${i} starts where ${i - 1} ended: ${JSON.stringify(logged)}`);
    assert.ok(logged.slice(3, -1).every(([, to]) => to === 'online' || to === 'offline'), JSON.stringify(logged));
    assert.equal(lines.at(-1)!.reason, 'exited');
    // The same changes are the process's history, newest first.
    const { events } = await bob.client.processHistory(gridId, p.id);
    assert.deepEqual(
      events.map((e) => [e.from, e.to]),
      [...logged].reverse(),
    );
    assert.equal(events[0]!.reason, 'exited');
    assert.equal(events[0]!.exitCode, 0);
  });

  test('lastHeartbeatAt moves with heartbeats: stamped by the database when the heartbeat is written, between two readings of its clock around that', async () => {
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'clock' });
    const dbNow = async () => (await t.db.query<{ now: Date | string }>('SELECT now() AS now'))[0]!.now;
    await new Promise((r) => setTimeout(r, 100));
    // Read before the heartbeat is sent, so before any flush (the timer's or ours) can write it.
    const before = new Date(await dbNow()).getTime();
    await alice.client.heartbeat(gridId, p.id);
    await heartbeatsWritten(t);
    const after = new Date(await dbNow()).getTime();
    const [row] = await t.db.query<{ at: Date | string }>('SELECT last_heartbeat_at AS at FROM grid_processes WHERE id = $1', [p.id]);
    const stamped = new Date(row!.at).getTime();
    assert.ok(before <= stamped && stamped <= after, `stamped ${stamped - before} ms after the first reading, ${after - stamped} ms before the second`);
    const seen = (await bob.client.getProcess(gridId, p.id)).process;
    assert.equal(Date.parse(seen.lastHeartbeatAt), stamped, 'the API shows the stored stamp');
    assert.ok(Date.parse(seen.lastHeartbeatAt) > Date.parse(p.lastHeartbeatAt));
  });
});

describeEachEngine('liveness across a coordinator restart', (engine) => {
  let t: TestCoordinator;
  after(() => t.close());

  test('a restart never marks a live process offline; one whose heartbeats never resume expires after the grace window', async () => {
    // The grace window after the restart must outlast a cold coordinator's first heartbeat of the live process, however
    // slow the machine: a wide stale window (the waits below scale with it).
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '3000' });
    const alice = await signup(t, 'alice', 'pc1');
    const gridId = (await alice.client.createGrid({ name: 'restart' })).grid.id;
    const { process: live } = await alice.client.registerProcess(gridId, { name: 'live' });
    const { process: dead } = await alice.client.registerProcess(gridId, { name: 'dead' });
    await alice.client.heartbeat(gridId, live.id);

    // Down for longer than the stale window: both rows are past their deadline when it comes back.
    const stale = t.config.staleAfterMs;
    await t.coordinator.close();
    await new Promise((r) => setTimeout(r, stale * 1.5));
    const restartedFrom = Date.now();
    t = await t.restart();
    const c = alice.client; // same address: the restarted coordinator took the same port
    // The live one's host beats again at once, as an agent would; the watcher comes after.
    const beat = keepBeating({ ...alice, client: c }, gridId, live.id, t.config.heartbeatIntervalMs);
    const watcher = await openEvents(c.eventsUrl(gridId), alice.token);
    const snapshot = await watcher.next((e) => e.type === 'snapshot');
    // Read during the grace window (it is still on once the snapshot is here): both are still online.
    if (t.coordinator.services.liveness.inGrace) {
      assert.ok(snapshot.type === 'snapshot' && snapshot.processes.every((p) => p.status === 'online'), 'nothing expires during the grace window');
    }

    await watcher.next(isProcessEvent(dead.id, 'offline'), stale * 5);
    assert.ok(Date.now() - restartedFrom >= stale, 'the overdue process expired only after a full grace window');
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
