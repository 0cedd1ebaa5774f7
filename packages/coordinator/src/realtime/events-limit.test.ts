import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { type EventsSocket, openEvents, refusedUpgrade } from '../testing/events-socket.js';
import { secondDevice, signup, startTestCoordinator, type TestCoordinator, type TestUser } from '../testing/harness.js';
import { MAX_EVENT_SOCKETS_PER_TOKEN } from './events-socket.js';

describeEachEngine('events sockets per device', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let gridId: string;
  const open: EventsSocket[] = [];

  before(async () => {
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '60000' });
    alice = await signup(t, 'alice');
    gridId = (await alice.client.createGrid({ name: 'watched' })).grid.id;
  });
  after(async () => {
    for (const s of open) s.close();
    await t.close();
  });

  test(`one device holds at most ${MAX_EVENT_SOCKETS_PER_TOKEN} open; the next is 429 before the upgrade; closing one makes room; another device is not counted`, async () => {
    const url = alice.client.eventsUrl(gridId);
    for (let i = 0; i < MAX_EVENT_SOCKETS_PER_TOKEN; i++) {
      const s = await openEvents(url, alice.token);
      await s.next((e) => e.type === 'snapshot');
      open.push(s);
    }
    const refused = await refusedUpgrade(url, alice.token);
    assert.equal(refused.status, 429);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'rate_limited');
    assert.match((refused.body as { error: { message: string } }).error.message, new RegExp(`already has ${MAX_EVENT_SOCKETS_PER_TOKEN} event streams open here; close some first`));

    const laptop = await secondDevice(t, alice);
    const other = await openEvents(url, laptop.token);
    await other.next((e) => e.type === 'snapshot');
    open.push(other);

    const one = open.shift()!;
    one.close();
    await one.closed;
    // The coordinator hears the close a moment later.
    const until = Date.now() + 10_000;
    for (;;) {
      const again = await openEvents(url, alice.token).catch(() => undefined);
      if (again) {
        open.push(again);
        await again.next((e) => e.type === 'snapshot');
        break;
      }
      assert.ok(Date.now() < until, 'a closed socket makes room');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
