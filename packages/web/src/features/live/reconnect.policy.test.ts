import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECONNECT_MAX_MS, reconnectDelay } from './reconnect.policy.js';

test('backoff doubles from half a second and stops at ten', () => {
  const top = () => 0.999999;
  assert.equal(reconnectDelay(0, top), 500);
  assert.equal(reconnectDelay(1, top), 1000);
  assert.equal(reconnectDelay(3, top), 4000);
  assert.equal(reconnectDelay(10, top), RECONNECT_MAX_MS);
  assert.equal(reconnectDelay(100, top), RECONNECT_MAX_MS);
});

test('jitter keeps each delay between half and all of its ceiling', () => {
  for (let attempt = 0; attempt < 8; attempt++) {
    const low = reconnectDelay(attempt, () => 0);
    const high = reconnectDelay(attempt, () => 0.999999);
    assert.equal(low * 2, high);
    const r = reconnectDelay(attempt);
    assert.ok(r >= low && r <= high);
  }
});
