import { EVENTS_SUBPROTOCOL, type MemberEvent, type ProcessEvent, type SnapshotEvent, TOKEN_SUBPROTOCOL_PREFIX } from '@gridshare/protocol';
import WebSocket from 'ws';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents, refusedUpgrade } from '../testing/events-socket.js';
import { addMember, eventually, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';

describeEachEngine('events WebSocket', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;

  before(async () => {
    // A long heartbeat interval: within it, only notable health changes are events.
    t = await startTestCoordinator(engine, { GRID_WS_PING_INTERVAL_MS: '150', GRID_HEARTBEAT_INTERVAL_MS: '60000', GRID_STALE_AFTER_MS: '120000' });
    ({ alice, bob, gridId } = await twoInAGrid(t, 'events'));
  });
  after(() => t.close());

  test('first a snapshot of processes and members, then one message per change', async () => {
    const { process: existing } = await alice.client.registerProcess(gridId, { name: 'existing' });
    const ws = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const snap = (await ws.next(() => true)) as SnapshotEvent;
    assert.equal(snap.type, 'snapshot');
    assert.ok(snap.processes.some((p) => p.id === existing.id && p.status === 'online'));
    assert.deepEqual(snap.members.map((m) => m.username).sort(), [alice.user.username, bob.user.username].sort());

    const { process: p } = await alice.client.registerProcess(gridId, { name: 'new' });
    const registered = (await ws.next((e) => e.type === 'process' && e.process.id === p.id)) as ProcessEvent;
    assert.equal(registered.process.status, 'online');
    assert.equal(registered.process.hostUsername, alice.user.username);

    await alice.client.heartbeat(gridId, p.id, { health: { alive: true, cpuPercent: 12 } });
    const health = (await ws.next((e) => e.type === 'process' && e.process.id === p.id && e.process.health !== null)) as ProcessEvent;
    assert.equal(health.process.health?.cpuPercent, 12);
    // Within the heartbeat interval, CPU and memory moving is not news; a port closing is.
    const before = ws.events.length;
    await alice.client.heartbeat(gridId, p.id, { health: { alive: true, cpuPercent: 12 } });
    await alice.client.heartbeat(gridId, p.id, { health: { alive: true, cpuPercent: 40, rssBytes: 1024 } });
    await alice.client.heartbeat(gridId, p.id, { health: { alive: true, cpuPercent: 41, ports: [{ port: 80, open: false }] } });
    const portClosed = (await ws.next((e) => e.type === 'process' && e.process.id === p.id && e.process.health?.ports !== undefined, 5000, before)) as ProcessEvent;
    assert.equal(portClosed.process.health?.ports?.[0]?.open, false);
    await alice.client.unregisterProcess(gridId, p.id);
    const stopped = (await ws.next((e) => e.type === 'process' && e.process.status === 'stopped', 5000, before)) as ProcessEvent;
    assert.equal(stopped.process.id, p.id);
    assert.equal(ws.events.length, before + 2, 'only the port change and the stop were sent');
    ws.close();
  });

  test('a token in ?token= is refused before the upgrade (URLs end up in proxy logs); the answer says where a token goes', async () => {
    const url = new URL(bob.client.eventsUrl(gridId));
    url.searchParams.set('token', bob.token);
    for (const header of [undefined, bob.token]) {
      const { status, body } = await refusedUpgrade(url.toString(), header);
      assert.equal(status, 400, 'refused whether or not the header carries a token too');
      const error = (body as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, /Authorization header/);
      assert.match(error.message, /bearer\.<token>/);
      assert.ok(!error.message.includes(bob.token), 'the answer does not repeat the token');
    }
    // The same token in the header opens the socket.
    const ws = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    assert.equal((await ws.next(() => true)).type, 'snapshot');
    ws.close();
  });

  test('a browser passes its token as a subprotocol, so it is in no URL; the answer names only our subprotocol', async () => {
    const url = bob.client.eventsUrl(gridId);
    const ws = new WebSocket(url, bob.client.eventsProtocols());
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(d.toString()));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    assert.equal((JSON.parse(first) as { type: string }).type, 'snapshot');
    assert.equal(ws.protocol, EVENTS_SUBPROTOCOL);
    ws.close();
    const refused = await new Promise<number>((resolve) => {
      const bad = new WebSocket(url, [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}gst_not-a-token`]);
      bad.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.once('open', () => resolve(101));
      bad.on('error', () => {});
    });
    assert.equal(refused, 401);
  });

  test('a client that reconnects gets a fresh snapshot', async () => {
    const first = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    await first.next((e) => e.type === 'snapshot');
    first.close();
    await first.closed;
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'while away' });
    const second = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const snap = (await second.next(() => true)) as SnapshotEvent;
    assert.equal(snap.type, 'snapshot');
    assert.ok(snap.processes.some((x) => x.id === p.id));
    second.close();
  });

  test('member joined, role changed and left are events; a removed member is disconnected at once', async () => {
    const carol = await signup(t, 'carol', 'pc3');
    const watch = await openEvents(alice.client.eventsUrl(gridId), alice.token);
    await watch.next((e) => e.type === 'snapshot');
    await addMember(alice, gridId, carol);
    const joined = (await watch.next((e) => e.type === 'member' && e.change === 'joined')) as MemberEvent;
    assert.equal(joined.member.userId, carol.user.id);
    await alice.client.updateMember(gridId, carol.user.id, { role: 'admin' });
    const changed = (await watch.next((e) => e.type === 'member' && e.change === 'role_changed')) as MemberEvent;
    assert.equal(changed.member.role, 'admin');

    const carols = await openEvents(carol.client.eventsUrl(gridId), carol.token);
    await carols.next((e) => e.type === 'snapshot');
    await alice.client.updateMember(gridId, carol.user.id, { role: 'member' });
    await alice.client.removeMember(gridId, carol.user.id);
    assert.equal((await carols.closed).code, 4403);
    const left = (await watch.next((e) => e.type === 'member' && e.change === 'left')) as MemberEvent;
    assert.equal(left.member.userId, carol.user.id);
    watch.close();
  });

  test('server pings keep a live client connected and cut off one that stops answering', async () => {
    const live = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    const dead = await openEvents(bob.client.eventsUrl(gridId), bob.token);
    await Promise.all([live.next((e) => e.type === 'snapshot'), dead.next((e) => e.type === 'snapshot')]);
    const bus = t.coordinator.services.bus;
    const open = bus.subscriberCount;
    // A client that stops reading never answers pings (ws answers them only as it reads).
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let pings = 0;
    live.ws.on('ping', () => pings++);
    // The server side of the dead one goes away (the paused client cannot even read the close).
    await eventually(() => (bus.subscriberCount === open - 1 ? true : undefined), 10_000, 'the dead client to be cut off');
    // Each socket has its own ping timer: the live one may have been pinged only once by then. Once it has
    // answered a ping and been pinged again (the check that cuts off a silent client), it must still be there.
    await eventually(() => (pings >= 2 ? true : undefined), 10_000, 'the live client to be pinged twice');
    assert.equal(live.ws.readyState, live.ws.OPEN, 'the live client is still connected');
    assert.equal(bus.subscriberCount, open - 1, 'only the dead client was cut off');
    live.close();
  });
});
