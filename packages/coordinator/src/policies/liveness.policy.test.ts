import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadline, graceUntil, mayExpire, worstExpiryLagMs } from './liveness.policy.js';

test('a process is due stale-after ms after its last heartbeat', () => {
  assert.equal(deadline(1_000, 60_000), 61_000);
});

test('after a start or a recovery at t, nothing may expire before t + stale-after', () => {
  const until = graceUntil(5_000, 60_000);
  assert.equal(mayExpire(64_999, until), false);
  assert.equal(mayExpire(65_000, until), true);
});

test('the worst expiry lag is one sweep plus one flush', () => {
  assert.equal(worstExpiryLagMs(500, 250), 750);
});
