import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeOn } from '../testing/engines.js';
import { signup, startTestCoordinator, type TestCoordinator } from '../testing/harness.js';
import { ClusterRepository } from './cluster.repository.js';

/** Where each agent link is, as several coordinators on one PostgreSQL write it (the embedded database has one coordinator). */
describeOn('postgres', 'agent link locations', () => {
  let t: TestCoordinator;
  let repo: ClusterRepository;
  const X = randomUUID();
  const Y = randomUUID();

  before(async () => {
    t = await startTestCoordinator('postgres', { GRID_STALE_AFTER_MS: '60000' });
    repo = new ClusterRepository(t.db);
    await repo.register({ id: X, url: 'http://x.invalid', secret: 'x' });
    await repo.register({ id: Y, url: 'http://y.invalid', secret: 'y' });
  });
  after(() => t.close());

  const device = async () => (await signup(t, 'linker')).device.id;

  test('a claim read before the device linked elsewhere does not take the newer link back (it would make the host unreachable)', async () => {
    const d = await device();
    const onX = await repo.linkUp(d, X);
    const onY = await repo.linkUp(d, Y); // the agent reconnected to Y
    assert.ok(onY > onX, `link times are ordered (${onX} < ${onY})`);
    await repo.claimLinks([{ id: d, at: onX }], X); // X's claim, with the list it read while the link was still on X
    assert.equal((await repo.coordinatorOf(d))?.id, Y);
  });

  test('a claim heals a row that points to an older link elsewhere, and one that is missing', async () => {
    const d = await device();
    await repo.linkUp(d, Y);
    const onX = await repo.linkUp(d, X);
    await t.db.query('UPDATE agent_links SET coordinator_id = $2 WHERE device_id = $1', [d, Y]); // a late write from Y, older than X's link
    await t.db.query("UPDATE agent_links SET connected_at = connected_at - interval '1 second' WHERE device_id = $1", [d]);
    await repo.claimLinks([{ id: d, at: onX }], X);
    assert.equal((await repo.coordinatorOf(d))?.id, X, 'taken back');

    await repo.linkDown(d, X);
    assert.equal(await repo.coordinatorOf(d), null);
    await repo.claimLinks([{ id: d, at: onX }], X);
    assert.equal((await repo.coordinatorOf(d))?.id, X, 'written again');
    const e = await device();
    await repo.claimLinks([{ id: e, at: null }], Y);
    assert.equal((await repo.coordinatorOf(e))?.id, Y, 'a link whose time is not known is claimed as of now');
  });
});
