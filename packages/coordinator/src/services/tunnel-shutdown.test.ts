import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { startTestCoordinator, twoInAGrid } from '../testing/harness.js';
import { openAccepted, openLink } from '../testing/link-client.js';

describeEachEngine('tunnels at shutdown', (engine) => {
  test('a coordinator that stops leaves no connection open in the record: each is closed, with the bytes it carried', async () => {
    const env = { GRID_HEARTBEAT_INTERVAL_MS: '30000', GRID_STALE_AFTER_MS: '60000' };
    const t = await startTestCoordinator(engine, env);
    let next = t;
    try {
      const { alice, bob, gridId } = await twoInAGrid(t);
      const processId = (await alice.client.registerProcess(gridId, { name: 'echo', ports: [{ port: 4000, protocol: 'tcp' }] })).process.id;
      const [host, guest] = await Promise.all([openLink(t.url, alice.token), openLink(t.url, bob.token)]);
      const { g, h, connectionId } = await openAccepted(guest, host, processId, 0);
      const from = host.frames.length;
      guest.send({ type: 'data', stream: g, data: Buffer.from('hello') });
      await host.next((f) => f.type === 'data' && f.stream === h, 10_000, from);

      next = await t.restart(); // same database: what the stopped one wrote is there
      const c = (await alice.client.listConnections(gridId, processId)).connections.find((x) => x.id === connectionId);
      assert.ok(c?.closedAt, 'closed in the record, not left open for a sweep to find');
      // Its sockets close as the server closes (link_lost), or the relay resets the streams first (shutting_down).
      assert.ok(c.closeReason === 'shutting_down' || c.closeReason === 'link_lost', `closed as ${c.closeReason}`);
      assert.equal(c.bytesIn, 5, 'with the bytes it carried');
      host.close();
      guest.close();
    } finally {
      await next.close();
    }
  });
});
