import { ApiError } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { signup, startTestCoordinator, type TestCoordinator, type TestUser } from '../testing/harness.js';

const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof ApiError ? r.reason.code : String(r.reason));

describeEachEngine('the last member leaving while someone joins', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '60000' });
    [alice, bob] = await Promise.all([signup(t, 'alice'), signup(t, 'bob')]);
  });
  after(() => t.close());

  test('either the grid is deleted and the join fails, or the join wins and the owner is told to hand over — never a member in a deleted grid', async () => {
    for (let i = 0; i < 20; i++) {
      const { grid } = await alice.client.createGrid({ name: `race ${i}` });
      const { invite } = await alice.client.createInvite(grid.id);
      const [leave, join] = await Promise.allSettled([alice.client.removeMember(grid.id, alice.user.id), bob.client.join(invite.code)]);
      const outcome = `${codeOf(leave)}/${codeOf(join)}`;
      const bobsGrids = (await bob.client.listGrids()).grids.map((g) => g.id);
      if (outcome === 'ok/invite_not_found') {
        assert.ok(!bobsGrids.includes(grid.id), 'deleted: bob is in no such grid');
        await assert.rejects(bob.client.getGrid(grid.id), (e: unknown) => e instanceof ApiError && e.code === 'grid_not_found');
      } else if (outcome === 'owner_must_transfer/ok') {
        const { members } = await bob.client.getGrid(grid.id);
        assert.deepEqual(members.map((m) => m.role).sort(), ['member', 'owner'], 'kept, with both of them');
      } else {
        assert.fail(`leave and join ended as ${outcome}`);
      }
    }
    t.logs.filter((l) => Number(l.level) >= 50).forEach((l) => assert.fail(`an error was logged: ${String(l.msg)}`));
  });
});
