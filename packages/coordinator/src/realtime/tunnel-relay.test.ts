import { ApiError, CLOSE_CODES, type Frame, PROTOCOL_VERSION } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { addMember, eventually, secondDevice, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';
import { openAccepted, openLink, type TestLink } from '../testing/link-client.js';

const rejects = (p: Promise<unknown>, status: number, code: string) =>
  assert.rejects(p, (e: unknown) => e instanceof ApiError && e.status === status && e.code === code);

const failCode = (f: Frame) => (f.type === 'open_fail' || f.type === 'rst' ? f.code : f.type);

/**
 * The relay with bare links (no agents): alice hosts, bob connects. Each test
 * plays both agents by hand, so it can also break the rules on purpose.
 */
describeEachEngine('tunnel relay', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  let host: TestLink;
  let guest: TestLink;
  let processId: string;

  before(async () => {
    // Processes stay online without heartbeats; streams that wait on the test (a list, a removal) are never idle long
    // enough to be reset as idle_timeout, however slow the machine (the idle timeout has its own suite below).
    t = await startTestCoordinator(engine, { GRID_HEARTBEAT_INTERVAL_MS: '30000', GRID_STALE_AFTER_MS: '60000', GRID_TUNNEL_IDLE_TIMEOUT_MS: '600000', GRID_TUNNEL_WINDOW_BYTES: '65536' });
    ({ alice, bob, gridId } = await twoInAGrid(t));
    processId = (await alice.client.registerProcess(gridId, { name: 'echo', ports: [{ port: 4000, protocol: 'tcp' }, { port: 4001, protocol: 'tcp' }] })).process.id;
    host = await openLink(t.url, alice.token);
    guest = await openLink(t.url, bob.token);
  });
  after(async () => {
    host?.close();
    guest?.close();
    await t.close();
  });

  /** Opens a stream as bob and accepts it as alice; returns both ends' stream ids. */
  const connected = (port = 0) => openAccepted(guest, host, processId, port);

  test('the link: 401 before the upgrade without a token; hello first; one protocol version; limits in the welcome', async () => {
    await assert.rejects(openLink(t.url, undefined), (e: { status?: number }) => e.status === 401);
    await assert.rejects(openLink(t.url, 'gst_nope'), (e: { status?: number }) => e.status === 401);
    await assert.rejects(openLink(t.url, bob.token, { type: 'hi' }), (e: { code?: number }) => e.code === CLOSE_CODES.protocolError);
    await assert.rejects(openLink(t.url, bob.token, { type: 'hello', protocol: PROTOCOL_VERSION + 1, agentVersion: 'x' }), (e: { code?: number }) => e.code === CLOSE_CODES.unsupportedProtocol);
    assert.equal(guest.welcome.windowBytes, 65536);
    assert.equal(guest.welcome.idleTimeoutMs, 600_000);
    const res = await fetch(`${t.url}/api/v1/agent/link`, { headers: { authorization: `Bearer ${bob.token}` } });
    assert.equal(res.status, 426);
  });

  test('a stream: the host is told the declared port and the connection id; data, window and fin pass both ways; the record has the bytes', async () => {
    const { g, h, open, connectionId } = await connected();
    assert.equal(open.type === 'open' && open.port, 4000, 'port 0 means the first declared port');
    assert.equal(open.type === 'open' && open.connectionId, connectionId);
    assert.equal(open.type === 'open' && open.processId, processId);
    assert.equal(h % 2, 0, 'the coordinator opens even streams');

    let from = host.frames.length;
    guest.send({ type: 'data', stream: g, data: Buffer.from('ping') });
    const d = await host.next((f) => f.type === 'data' && f.stream === h, 5000, from);
    assert.equal(d.type === 'data' && d.data.toString(), 'ping');
    host.send({ type: 'window', stream: h, credit: 4 });
    await guest.next((f) => f.type === 'window' && f.stream === g && f.credit === 4);
    from = guest.frames.length;
    host.send({ type: 'data', stream: h, data: Buffer.from('pong!') });
    host.send({ type: 'fin', stream: h });
    await guest.next((f) => f.type === 'fin' && f.stream === g, 5000, from);
    assert.equal(guest.frames.slice(from).find((f) => f.type === 'data')?.type === 'data' && (guest.frames.slice(from).find((f) => f.type === 'data') as { data: Buffer }).data.toString(), 'pong!');

    const live = (await alice.client.listConnections(gridId, processId, { state: 'open' })).connections.find((c) => c.id === connectionId);
    assert.ok(live, 'listed while open');
    assert.equal(live.bytesIn, 4);
    assert.equal(live.bytesOut, 5);
    assert.equal(live.username, bob.user.username);
    assert.equal(live.deviceName, 'pc2');

    guest.send({ type: 'fin', stream: g });
    await host.next((f) => f.type === 'fin' && f.stream === h);
    const done = await eventually(async () => {
      const c = (await alice.client.listConnections(gridId, processId)).connections.find((x) => x.id === connectionId);
      return c?.closedAt ? c : undefined;
    });
    assert.deepEqual([done.closeReason, done.bytesIn, done.bytesOut, done.port], ['closed', 4, 5, 4000]);
  });

  test('refusals: a non-member, an undeclared port, an unknown, private, stopped or unhosted process', async () => {
    const carol = await signup(t, 'carol', 'pc3');
    const outsider = await openLink(t.url, carol.token);
    try {
      assert.equal(failCode((await outsider.open(processId)).reply), 'process_not_found', 'a non-member learns nothing');
      assert.equal(failCode((await guest.open(processId, 22)).reply), 'port_not_declared');
      const second = await connected(4001);
      assert.equal(second.open.type === 'open' && second.open.port, 4001, 'a declared port other than the first is fine');
      assert.equal(failCode((await guest.open('00000000-0000-4000-8000-000000000000')).reply), 'process_not_found');
      const secret = (await alice.client.registerProcess(gridId, { name: 'secret', ports: [{ port: 4002, protocol: 'tcp' }], private: true })).process;
      assert.equal(secret.private, true);
      assert.equal(failCode((await guest.open(secret.id)).reply), 'process_private');
      await alice.client.unregisterProcess(gridId, secret.id);
      assert.equal(failCode((await guest.open(secret.id)).reply), 'process_offline');
      // Bob hosts something, but his device has no link up: nobody can reach it.
      const bobs = (await bob.client.registerProcess(gridId, { name: 'bobs', ports: [{ port: 4003, protocol: 'tcp' }] })).process;
      guest.close();
      await guest.closed;
      // From alice's other PC (a second link of the same device would replace her host link).
      const alicesGuest = await openLink(t.url, (await secondDevice(t, alice)).token);
      assert.equal(failCode((await alicesGuest.open(bobs.id)).reply), 'host_unreachable');
      alicesGuest.close();
    } finally {
      outsider.close();
      if (guest.ws.readyState !== guest.ws.OPEN) guest = await openLink(t.url, bob.token);
    }
  });

  test('credit is policed: data beyond the window resets the stream; no stream ever has more than the window in flight', async () => {
    const { g, h } = await connected();
    const chunk = Buffer.alloc(16 * 1024, 1);
    const from = guest.frames.length;
    for (let i = 0; i < 5; i++) guest.send({ type: 'data', stream: g, data: chunk }); // 80 KiB against a 64 KiB window
    const rst = await guest.next((f) => f.type === 'rst' && f.stream === g, 5000, from);
    assert.equal(failCode(rst), 'protocol_error');
    await host.next((f) => f.type === 'rst' && f.stream === h);
    assert.ok(t.coordinator.services.tunnels.relay.stats().inFlightHighWater <= 65536);
  });

  test('a member who is removed loses their open streams at once, and cannot open new ones', async () => {
    const dave = await signup(t, 'dave', 'pc4');
    await addMember(alice, gridId, dave);
    const daveLink = await openLink(t.url, dave.token);
    try {
      const from = host.frames.length;
      const opening = daveLink.open(processId);
      const open = await host.next((f) => f.type === 'open', 10_000, from);
      host.send({ type: 'open_ok', stream: open.stream, connectionId: null });
      const { stream, reply } = await opening;
      assert.equal(reply.type, 'open_ok');
      await alice.client.removeMember(gridId, dave.user.id);
      assert.equal(failCode(await daveLink.next((f) => f.type === 'rst' && f.stream === stream)), 'access_revoked');
      assert.equal(failCode(await host.next((f) => f.type === 'rst' && f.stream === open.stream)), 'access_revoked');
      assert.equal(failCode((await daveLink.open(processId)).reply), 'process_not_found');
      const rec = await eventually(async () => (await alice.client.listConnections(gridId, processId)).connections.find((c) => c.userId === dave.user.id && c.closedAt !== null));
      assert.equal(rec.closeReason, 'access_revoked');
    } finally {
      daveLink.close();
    }
  });

  test('the host sees and closes connections; other members may not; a stop or a lost host link resets streams', async () => {
    const a = await connected();
    await rejects(bob.client.listConnections(gridId, processId), 403, 'forbidden');
    await rejects(bob.client.closeConnections(gridId, processId), 403, 'forbidden');
    await alice.client.closeConnection(gridId, processId, a.connectionId);
    // Answered once the record is written: a list right after shows it closed, with the reason.
    const one = (await alice.client.listConnections(gridId, processId)).connections.find((c) => c.id === a.connectionId);
    assert.equal(one?.closeReason, 'closed_by_host');
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === a.g)), 'closed_by_host');
    await rejects(alice.client.closeConnection(gridId, processId, '00000000-0000-4000-8000-000000000000'), 404, 'connection_not_found');

    const b = await connected();
    assert.deepEqual(await alice.client.closeConnections(gridId, processId), { closed: 1 });
    assert.deepEqual((await alice.client.listConnections(gridId, processId, { state: 'open' })).connections, [], 'none listed open after close-all');
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === b.g)), 'closed_by_host');

    const other = (await alice.client.registerProcess(gridId, { name: 'other', ports: [{ port: 4010, protocol: 'tcp' }] })).process;
    const from = host.frames.length;
    const opening = guest.open(other.id);
    const open = await host.next((f) => f.type === 'open', 10_000, from);
    host.send({ type: 'open_ok', stream: open.stream, connectionId: null });
    const c = await opening;
    await alice.client.unregisterProcess(gridId, other.id);
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === c.stream)), 'process_stopped');

    const d = await connected();
    host.close();
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === d.g)), 'link_lost');
    host = await openLink(t.url, alice.token);
  });

  test('a second link of the same device replaces the first; a logout closes the link (4401)', async () => {
    const second = await openLink(t.url, bob.token);
    assert.equal((await guest.closed).code, CLOSE_CODES.replaced);
    guest = second;
    await bob.client.logout();
    assert.equal((await guest.closed).code, CLOSE_CODES.unauthorized);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /grid_tunnel_streams_opened_total \d+/);
  });
});

describeEachEngine('tunnel relay idle timeout', (engine) => {
  // A coordinator of its own: a short idle timeout would reset the streams of the other tests while they wait.
  let t: TestCoordinator;
  let host: TestLink;
  let guest: TestLink;
  let processId: string;

  before(async () => {
    t = await startTestCoordinator(engine, { GRID_HEARTBEAT_INTERVAL_MS: '30000', GRID_STALE_AFTER_MS: '60000', GRID_TUNNEL_IDLE_TIMEOUT_MS: '1500' });
    const { alice, bob, gridId } = await twoInAGrid(t);
    processId = (await alice.client.registerProcess(gridId, { name: 'echo', ports: [{ port: 4000, protocol: 'tcp' }] })).process.id;
    host = await openLink(t.url, alice.token);
    guest = await openLink(t.url, bob.token);
  });
  after(async () => {
    host?.close();
    guest?.close();
    await t.close();
  });

  test('an idle stream is reset on both ends', async () => {
    assert.equal(guest.welcome.idleTimeoutMs, 1500);
    const opened = Date.now();
    const { g, h } = await openAccepted(guest, host, processId);
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === g, 30_000)), 'idle_timeout');
    assert.ok(Date.now() - opened >= 1500, 'not before the idle timeout');
    assert.equal(failCode(await host.next((f) => f.type === 'rst' && f.stream === h, 30_000)), 'idle_timeout');
  });
});
