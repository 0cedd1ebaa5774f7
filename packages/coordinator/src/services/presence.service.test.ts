import type { DeviceEvent, GridEvent, MemberDevice, SnapshotEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { type EventsSocket, openEvents } from '../testing/events-socket.js';
import {
  addMember,
  eventually,
  secondDevice,
  signup,
  startTestCoordinator,
  type TestCoordinator,
  type TestUser,
  twoInAGrid,
} from '../testing/harness.js';
import { openLink } from '../testing/link-client.js';

const deviceEvent = (id: string, online: boolean) => (e: GridEvent) => e.type === 'device' && e.device.id === id && e.device.online === online;

describeEachEngine('device presence', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  let watcher: EventsSocket;

  const devicesOf = async (u: TestUser, userId: string): Promise<MemberDevice[]> =>
    (await u.client.getGrid(gridId)).devices.filter((d) => d.userId === userId);
  const onlineIn = async (u: TestUser, deviceId: string) => (await u.client.getGrid(gridId)).devices.find((d) => d.id === deviceId)?.online;

  before(async () => {
    // A lease (the stale window) long enough that a device read right after it came online, or between two renewals
    // (every third of it), is still online however slow a request is; nothing here waits for this lease to run out.
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '3000' });
    ({ alice, bob, gridId } = await twoInAGrid(t, 'presence'));
    // Bob's browser watches the grid; it is a device of his, online while it watches.
    watcher = await openEvents(bob.client.eventsUrl(gridId), bob.token);
  });
  after(async () => {
    watcher.close();
    await t.close();
  });

  test("an agent's link makes its device online for the grid (API and event), and closing it makes it offline", async () => {
    const [before] = await devicesOf(bob, alice.user.id);
    assert.deepEqual({ id: before?.id, name: before?.name, online: before?.online }, { id: alice.device.id, name: 'pc1', online: false });

    const from = watcher.events.length;
    const link = await openLink(t.url, alice.token);
    const up = (await watcher.next(deviceEvent(alice.device.id, true), 10_000, from)) as DeviceEvent;
    assert.deepEqual({ userId: up.device.userId, name: up.device.name }, { userId: alice.user.id, name: 'pc1' });
    assert.equal(await onlineIn(bob, alice.device.id), true);

    link.close();
    const down = (await watcher.next(deviceEvent(alice.device.id, false), 10_000, from)) as DeviceEvent;
    assert.ok(Date.parse(down.device.lastSeenAt) >= Date.parse(up.device.lastSeenAt));
    assert.equal(await onlineIn(bob, alice.device.id), false, 'still listed (logged in), now offline');
  });

  test('a device stays online past its lease while connected (renewed), with no offline event in between', async () => {
    const from = watcher.events.length;
    const link = await openLink(t.url, alice.token);
    await watcher.next(deviceEvent(alice.device.id, true), 10_000, from);
    // Half a lease past the end of the one it got when it came online: that one has run out, so it was renewed.
    await new Promise((r) => setTimeout(r, t.config.staleAfterMs * 1.5));
    assert.equal(await onlineIn(bob, alice.device.id), true);
    assert.equal(watcher.events.slice(from).filter(deviceEvent(alice.device.id, false)).length, 0);
    link.close();
    await watcher.next(deviceEvent(alice.device.id, false), 10_000, from);
  });

  test('a browser is a device: online while one of its events sockets is open, offline when the last closes', async () => {
    const laptop = await secondDevice(t, alice, 'firefox on linux');
    const from = watcher.events.length;
    const tab1 = await openEvents(laptop.client.eventsUrl(gridId), laptop.token);
    const tab2 = await openEvents(laptop.client.eventsUrl(gridId), laptop.token);
    await watcher.next(deviceEvent(laptop.device.id, true), 10_000, from);
    const snapshot = (await tab2.next((e) => e.type === 'snapshot')) as SnapshotEvent;
    assert.ok(snapshot.devices.some((d) => d.id === alice.device.id), "the snapshot lists the grid's devices");

    tab1.close();
    await tab1.closed;
    // The other tab still holds it: give a wrong offline write time to land, then check it did not.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await onlineIn(bob, laptop.device.id), true);
    tab2.close();
    await watcher.next(deviceEvent(laptop.device.id, false), 10_000, from);
    assert.equal(watcher.events.slice(from).filter(deviceEvent(laptop.device.id, true)).length, 1, 'one online event for two sockets');
    await laptop.client.logout();
  });

  test('a lease that runs out (its coordinator died) is ended by this coordinator, with an offline event', async () => {
    const pc3 = await secondDevice(t, alice, 'pc3');
    const from = watcher.events.length;
    // What another coordinator wrote before it died: a lease nobody renews (long enough that the read below sees it).
    await t.db.query("UPDATE devices SET online_until = now() + interval '3 seconds' WHERE id = $1", [pc3.device.id]);
    assert.equal(await onlineIn(bob, pc3.device.id), true);
    await watcher.next(deviceEvent(pc3.device.id, false), 30_000, from);
    assert.equal(await onlineIn(bob, pc3.device.id), false);
    await pc3.client.logout();
  });

  test('logged-out devices and devices of non-members are not listed; a newcomer’s devices are announced', async () => {
    const old = await secondDevice(t, alice, 'old pc');
    await old.client.logout();
    const carol = await signup(t, 'carol', 'carol-pc');
    const listed = (await alice.client.getGrid(gridId)).devices.map((d) => d.id);
    assert.ok(!listed.includes(old.device.id), 'a logged-out device is not listed');
    assert.ok(!listed.includes(carol.device.id), "a non-member's device is not listed");
    assert.ok(listed.includes(alice.device.id) && listed.includes(bob.device.id));

    const from = watcher.events.length;
    await addMember(alice, gridId, carol);
    await watcher.next(deviceEvent(carol.device.id, false), 10_000, from);
    assert.ok((await alice.client.getGrid(gridId)).devices.some((d) => d.id === carol.device.id));

    await alice.client.removeMember(gridId, carol.user.id);
    assert.ok(!(await alice.client.getGrid(gridId)).devices.some((d) => d.id === carol.device.id), "a removed member's devices are not listed");
  });

  test('presence is published only to the grids of the device’s user', async () => {
    const dave = await signup(t, 'dave', 'dave-pc');
    const other = (await dave.client.createGrid({ name: 'elsewhere' })).grid.id;
    const daveWatch = await openEvents(dave.client.eventsUrl(other), dave.token);
    await daveWatch.next((e) => e.type === 'snapshot');
    const from = watcher.events.length;
    const daveFrom = daveWatch.events.length;
    const link = await openLink(t.url, alice.token);
    await watcher.next(deviceEvent(alice.device.id, true), 10_000, from);
    link.close();
    await watcher.next(deviceEvent(alice.device.id, false), 10_000, from);
    assert.deepEqual(daveWatch.events.slice(daveFrom).filter((e) => e.type === 'device' && e.device.userId === alice.user.id), []);
    daveWatch.close();
  });

  test('a restart within the lease keeps a device online: the lease outlives the coordinator, the reconnect renews it', async () => {
    // Its own coordinator with a lease long enough to restart within, however loaded the machine is.
    let c = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '20000' });
    try {
      const { alice: a, bob: b, gridId: g } = await twoInAGrid(c, 'restart');
      const online = async () => (await b.client.getGrid(g)).devices.find((d) => d.id === a.device.id)?.online;
      const link = await openLink(c.url, a.token);
      await eventually(async () => ((await online()) ? true : undefined), 10_000, 'online before the restart');
      c = await c.restart();
      await link.closed;
      assert.equal(await online(), true, 'still online while the agent reconnects');
      const relink = await openLink(c.url, a.token);
      await c.coordinator.services.presence.tick();
      assert.equal(await online(), true);
      relink.close();
      await eventually(async () => ((await online()) === false ? true : undefined), 10_000, 'offline once it disconnects');
    } finally {
      await c.close();
    }
  });
});
