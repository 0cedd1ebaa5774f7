import { ApiError } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { startTestCoordinator, type TestCoordinator, type TestUser, twoInAGrid } from '../testing/harness.js';
import { KEEP_STOPPED_PER_GRID, MAX_LIVE_PROCESSES_PER_HOST } from './process.service.js';

/** One member cannot fill a grid that every snapshot and list carries in full. */
describeEachEngine('process limits', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  let stoppedFirst: string;

  before(async () => {
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '600000', GRID_HEARTBEAT_INTERVAL_MS: '300000' });
    ({ alice, bob, gridId } = await twoInAGrid(t, 'limits'));
  });
  after(() => t.close());

  test(`a member hosts at most ${MAX_LIVE_PROCESSES_PER_HOST} live processes in a grid; re-registering one of them still works, others' are not counted`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX_LIVE_PROCESSES_PER_HOST; i++) ids.push((await bob.client.registerProcess(gridId, { name: `p${i}` })).process.id);
    const refused = await bob.client.registerProcess(gridId, { name: 'one too many' }).then(
      () => assert.fail('the 101st registered'),
      (e: unknown) => e,
    );
    assert.ok(refused instanceof ApiError && refused.status === 409 && refused.code === 'process_limit', String(refused));
    assert.match(refused.message, new RegExp(`already share ${MAX_LIVE_PROCESSES_PER_HOST} processes in this grid; stop one first`));
    await bob.client.registerProcess(gridId, { id: ids[0]!, name: 'p0' }); // the same id again: not a new one
    await alice.client.registerProcess(gridId, { name: 'alice still can' });
    await bob.client.unregisterProcess(gridId, ids[1]!);
    stoppedFirst = ids[1]!;
    await bob.client.registerProcess(gridId, { name: 'after a stop' });
  });

  test(`a grid keeps its newest ${KEEP_STOPPED_PER_GRID} stopped processes; older ones go, with their history`, async () => {
    const { processes } = await bob.client.listProcesses(gridId);
    const live = processes.filter((p) => p.status !== 'stopped' && p.hostUserId === bob.user.id);
    for (const p of live) await bob.client.unregisterProcess(gridId, p.id);
    const stopped = (await bob.client.listProcesses(gridId, { status: 'stopped' })).processes;
    assert.equal(stopped.length, KEEP_STOPPED_PER_GRID, 'only the newest are kept');
    // 101 were stopped: the one stopped first is gone, the one stopped last is kept.
    await assert.rejects(bob.client.getProcess(gridId, stoppedFirst), (e: unknown) => e instanceof ApiError && e.code === 'process_not_found');
    assert.equal((await bob.client.getProcess(gridId, live.at(-1)!.id)).process.status, 'stopped');
    assert.ok(t.logs.some((l) => l.event === 'process.pruned'), 'logged');
  });
});
