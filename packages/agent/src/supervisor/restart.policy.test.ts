import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRestart } from './restart.policy.js';

const limits = { baseMs: 1000, maxMs: 8000, stableAfterMs: 10_000, maxFastCrashes: 5 };
const crash = (fastCrashes: number, ranForMs = 100) => ({ code: 1, signal: null, ranForMs, fastCrashes });

test('never restarts under the never policy; on-failure only after a failure; always after any exit', () => {
  assert.equal(decideRestart('never', crash(0), limits).restart, false);
  assert.equal(decideRestart('on-failure', { code: 0, signal: null, ranForMs: 100, fastCrashes: 0 }, limits).restart, false);
  assert.equal(decideRestart('on-failure', { code: null, signal: 'SIGSEGV', ranForMs: 100, fastCrashes: 0 }, limits).restart, true);
  assert.equal(decideRestart('always', { code: 0, signal: null, ranForMs: 100, fastCrashes: 0 }, limits).restart, true);
});

test('backoff doubles with each fast crash and is capped', () => {
  const delays = [0, 1, 2, 3].map((n) => {
    const d = decideRestart('on-failure', crash(n), { ...limits, maxFastCrashes: 10 });
    return d.restart ? d.delayMs : -1;
  });
  assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  const capped = decideRestart('on-failure', crash(6), { ...limits, maxFastCrashes: 10 });
  assert.ok(capped.restart && capped.delayMs === 8000);
});

test('a stable run resets the count and the backoff', () => {
  const d = decideRestart('on-failure', crash(4, 60_000), limits);
  assert.deepEqual(d, { restart: true, delayMs: 1000, fastCrashes: 0 });
});

test('too many fast crashes in a row: errored, with the reason', () => {
  const d = decideRestart('on-failure', crash(4), limits);
  assert.equal(d.restart, false);
  assert.ok(!d.restart && d.errored && /5 times in a row/.test(d.errored) && /code 1/.test(d.errored));
});
