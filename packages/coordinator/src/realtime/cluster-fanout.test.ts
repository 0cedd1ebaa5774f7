import type { GridEvent, ProcessEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { LISTENER_APPLICATION_NAME } from '../store/postgres-listener.js';
import { describeOn } from '../testing/engines.js';
import { type EventsSocket, openEvents } from '../testing/events-socket.js';
import { addMember, eventually, secondDevice, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';
import { openLink } from '../testing/link-client.js';

const processEvent = (id: string, status?: string) => (e: GridEvent) =>
  e.type === 'process' && e.process.id === id && (status === undefined || e.process.status === status);

/**
 * Two coordinators on one PostgreSQL, as behind a load balancer: what happens
 * through one reaches the sockets of the other.
 */
describeOn('postgres', 'fan-out between coordinators', () => {
  let one: TestCoordinator;
  let two: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  /** Bob watching the grid through coordinator two. */
  let watcher: EventsSocket;
  const on = (c: TestCoordinator, u: TestUser) => c.anon.withToken(u.token);

  before(async () => {
    // A device lease (the stale window) long enough that a read on the other coordinator right after the online event
    // still sees it, however slow; the expiry test below waits for its window to pass.
    const env = { GRID_STALE_AFTER_MS: '3000' };
    one = await startTestCoordinator('postgres', env);
    two = await startTestCoordinator('postgres', env, one.testDb);
    ({ alice, bob, gridId } = await twoInAGrid(one, 'cluster'));
    watcher = await openEvents(on(two, bob).eventsUrl(gridId), bob.token);
    await watcher.next((e) => e.type === 'snapshot');
  });
  after(async () => {
    watcher?.close();
    // Two shares one's database: stop it without dropping it, then one drops it.
    await two?.coordinator.close();
    await two?.db.close();
    await one?.close();
  });

  test('a process registered, gone offline and stopped through one coordinator is seen live on the other', async () => {
    const from = watcher.events.length;
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'survival', kind: 'minecraft' });
    await watcher.next(processEvent(p.id, 'online'), 10_000, from);
    // No heartbeats: whichever coordinator's sweep expires it, bob hears it on two.
    await watcher.next(processEvent(p.id, 'offline'), one.config.staleAfterMs * 2 + 20_000, from);
    await alice.client.unregisterProcess(gridId, p.id, { reason: 'exited', exitCode: 0 });
    const stopped = (await watcher.next(processEvent(p.id, 'stopped'), 10_000, from)) as ProcessEvent;
    assert.equal(stopped.process.exitCode, 0);
  });

  test('an event too big for one notification still arrives (the other coordinator reads the process)', async () => {
    const metadata: Record<string, string> = {};
    for (let i = 0; i < 32; i++) metadata[`key-${String(i).padStart(2, '0')}-${'k'.repeat(50)}`] = 'v'.repeat(250);
    assert.ok(JSON.stringify(metadata).length > 8000, 'premise: bigger than a NOTIFY payload may be');
    const from = watcher.events.length;
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'big', metadata });
    const seen = (await watcher.next(processEvent(p.id), 10_000, from)) as ProcessEvent;
    assert.deepEqual(seen.process.metadata, metadata);
    await alice.client.unregisterProcess(gridId, p.id, {});
  });

  test('a device online through one coordinator is shown online on the other (presence is in the database)', async () => {
    const from = watcher.events.length;
    const link = await openLink(one.url, alice.token);
    await watcher.next((e) => e.type === 'device' && e.device.id === alice.device.id && e.device.online, 10_000, from);
    assert.equal((await on(two, bob).getGrid(gridId)).devices.find((d) => d.id === alice.device.id)?.online, true);
    link.close();
    await watcher.next((e) => e.type === 'device' && e.device.id === alice.device.id && !e.device.online, 10_000, from);
  });

  test('a logout through one coordinator closes that token’s sockets on the other and is refused there at once', async () => {
    const laptop = await secondDevice(one, bob, 'laptop');
    const sock = await openEvents(on(two, laptop).eventsUrl(gridId), laptop.token);
    await sock.next((e) => e.type === 'snapshot');
    // Two has it in its token cache now.
    await on(two, laptop).me();
    await laptop.client.logout();
    assert.equal((await sock.closed).code, 4401);
    await assert.rejects(on(two, laptop).me(), /unauthorized|revoked/i);
  });

  test('a member removed through one coordinator loses their events socket on the other (4403)', async () => {
    const carol = await signup(one, 'carol', 'carol-pc');
    await addMember(alice, gridId, carol);
    const sock = await openEvents(on(two, carol).eventsUrl(gridId), carol.token);
    await sock.next((e) => e.type === 'snapshot');
    await alice.client.removeMember(gridId, carol.user.id);
    assert.equal((await sock.closed).code, 4403);
  });

  test('when the listening connection is lost, the other coordinator sends its sockets a fresh snapshot, then fans out again', async () => {
    const from = watcher.events.length;
    const admin = new pg.Client({ connectionString: one.testDb.postgres!.url });
    await admin.connect();
    try {
      // Ends both coordinators' listening connections (this test database's only: other suites run beside us); their pools are untouched.
      const { rows } = await admin.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
        [LISTENER_APPLICATION_NAME],
      );
      assert.equal(rows.length, 2, 'premise: one listener per coordinator');
    } finally {
      await admin.end();
    }
    // Whatever was missed in between, the snapshot has it; the socket stays open.
    await watcher.next((e) => e.type === 'snapshot', 10_000, from);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'after' });
    await eventually(() => (watcher.events.slice(from).some(processEvent(p.id, 'online')) ? true : undefined), 10_000, 'the event after the listener came back');
    assert.equal(watcher.ws.readyState, watcher.ws.OPEN);
  });
});
