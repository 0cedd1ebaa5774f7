import type { Frame, TunnelErrorCode } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { describeOn } from '../testing/engines.js';
import { addMember, eventually, signup, startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';
import { openAccepted, openLink, type TestLink } from '../testing/link-client.js';
import { PEER_HEADER } from './peer-link.js';

// The process is registered once and never heartbeated: a stale window longer than any loaded run keeps it online.
const ENV = { GRID_TUNNEL_WINDOW_BYTES: '65536', GRID_STALE_AFTER_MS: '600000' };
const failCode = (f: Frame): TunnelErrorCode | string => (f.type === 'open_fail' || f.type === 'rst' ? f.code : f.type);

/**
 * Two coordinators on one PostgreSQL: the guest's agent link on one, the
 * host's on the other. A stream crosses between them over a peer link.
 */
describeOn('postgres', 'tunnels across coordinators', () => {
  let one: TestCoordinator;
  let two: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  let processId: string;
  let host: TestLink; // alice's PC, linked to two
  let guest: TestLink; // bob's PC, linked to one

  before(async () => {
    one = await startTestCoordinator('postgres', ENV);
    two = await startTestCoordinator('postgres', ENV, one.testDb);
    ({ alice, bob, gridId } = await twoInAGrid(one, 'across'));
    processId = (await alice.client.registerProcess(gridId, { name: 'echo', ports: [{ port: 7000, protocol: 'tcp' }] })).process.id;
    host = await openLink(two.url, alice.token);
    guest = await openLink(one.url, bob.token);
  });
  after(async () => {
    host?.close();
    guest?.close();
    await two?.coordinator.close();
    await two?.db.close();
    await one?.close();
  });

  /** Bob opens a stream to alice's process through one; alice's link on two answers. */
  const crossOpen = () => openAccepted(guest, host, processId);

  test('a stream crosses from the guest’s coordinator to the host’s: open, data both ways, half-closes, one record', async () => {
    const { g, h, open, connectionId } = await crossOpen();
    assert.ok(open.port === 7000 && open.connectionId === connectionId, 'the host hears the declared port and the connection id');

    guest.send({ type: 'data', stream: g, data: Buffer.from('ping') });
    const up = await host.next((f) => f.type === 'data' && f.stream === h);
    assert.equal(up.type === 'data' && up.data.toString(), 'ping');
    host.send({ type: 'window', stream: h, credit: 4 });
    host.send({ type: 'data', stream: h, data: Buffer.from('pong!') });
    const down = await guest.next((f) => f.type === 'data' && f.stream === g);
    assert.equal(down.type === 'data' && down.data.toString(), 'pong!');
    await guest.next((f) => f.type === 'window' && f.stream === g); // the host's credit, passed through both relays

    guest.send({ type: 'fin', stream: g });
    await host.next((f) => f.type === 'fin' && f.stream === h);
    host.send({ type: 'fin', stream: h });
    await guest.next((f) => f.type === 'fin' && f.stream === g);

    // Recorded once, by the guest's coordinator, with the bytes each way.
    const rec = await eventually(async () => (await alice.client.listConnections(gridId, processId)).connections.find((c) => c.id === connectionId && c.closedAt !== null));
    assert.deepEqual({ in: rec.bytesIn, out: rec.bytesOut, reason: rec.closeReason, user: rec.userId }, { in: 4, out: 5, reason: 'closed', user: bob.user.id });
    assert.equal((await alice.client.listConnections(gridId, processId)).connections.filter((c) => c.id === connectionId).length, 1);
  });

  test('the host’s reset, and a guest removed through the other coordinator, end the stream on both sides', async () => {
    const a = await crossOpen();
    host.send({ type: 'rst', stream: a.h, code: 'reset', message: 'bye' });
    assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === a.g)), 'reset');

    const carol = await signup(one, 'carol', 'carol-pc');
    await addMember(alice, gridId, carol);
    const carolLink = await openLink(one.url, carol.token);
    try {
      const from = host.frames.length;
      const opening = carolLink.open(processId);
      const open = await host.next((f) => f.type === 'open', 10_000, from);
      host.send({ type: 'open_ok', stream: open.stream, connectionId: null });
      const { stream } = await opening;
      // Removed through two; her stream lives on one, and ends there and at the host.
      await two.anon.withToken(alice.token).removeMember(gridId, carol.user.id);
      assert.equal(failCode(await carolLink.next((f) => f.type === 'rst' && f.stream === stream)), 'access_revoked');
      assert.equal(failCode(await host.next((f) => f.type === 'rst' && f.stream === open.stream)), 'access_revoked');
    } finally {
      carolLink.close();
    }
  });

  test('no agent link anywhere: host_unreachable; once it is welcomed back on either coordinator, streams open at once', async () => {
    host.close();
    await host.closed;
    await eventually(async () => (failCode((await guest.open(processId)).reply) === 'host_unreachable' ? true : undefined), 10_000, 'host_unreachable');
    // A welcomed link is reachable from every coordinator at once: the welcome waits for its place to be recorded.
    for (let round = 0; round < 5; round++) {
      host = await openLink(one.url, alice.token); // on the guest's own coordinator
      await crossOpen();
      host.close();
      await host.closed;
      host = await openLink(two.url, alice.token); // and back on the other, with no wait
      await crossOpen();
      if (round < 4) {
        host.close();
        await host.closed;
      }
    }
  });

  test('closed or made private through a third coordinator: the streams relayed by the other two end', async () => {
    const three = await startTestCoordinator('postgres', ENV, one.testDb);
    try {
      const viaThree = three.anon.withToken(alice.token);
      const a = await crossOpen();
      assert.deepEqual(await viaThree.closeConnections(gridId, processId), { closed: 0 }, 'none of them runs through three');
      assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === a.g)), 'closed_by_host');
      assert.equal(failCode(await host.next((f) => f.type === 'rst' && f.stream === a.h)), 'closed_by_host');

      const b = await crossOpen();
      await viaThree.registerProcess(gridId, { id: processId, name: 'echo', ports: [{ port: 7000, protocol: 'tcp' }], private: true });
      assert.equal(failCode(await guest.next((f) => f.type === 'rst' && f.stream === b.g)), 'process_private');
      assert.equal(failCode(await host.next((f) => f.type === 'rst' && f.stream === b.h)), 'process_private');
      await viaThree.registerProcess(gridId, { id: processId, name: 'echo', ports: [{ port: 7000, protocol: 'tcp' }], private: false });
    } finally {
      await three.coordinator.close();
      await three.db.close();
    }
  });

  test('a peer link needs the coordinator’s secret from the database', async () => {
    const tryPeer = (authorization: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${one.url.replace('http', 'ws')}/api/v1/cluster/link`, { headers: { authorization, [PEER_HEADER]: '00000000-0000-4000-8000-000000000000' } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    assert.equal(await tryPeer('Bearer not-the-secret'), 401);
    assert.equal(await tryPeer(`Bearer ${bob.token}`), 401, 'a user token is not a peer secret');
  });
});
