import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aProcess } from '../../testing/fixtures.js';
import { connectCommand, formatAgo, formatBytes, formatDuration, formatPercent, historyDetail, historyTitle, uptimeSeconds } from './format.js';

test('durations, ages, sizes, percentages', () => {
  assert.equal(formatDuration(0), '0 s');
  assert.equal(formatDuration(59.9), '59 s');
  assert.equal(formatDuration(60), '1 min');
  assert.equal(formatDuration(3600), '1 h');
  assert.equal(formatDuration(3600 + 5 * 60), '1 h 5 min');
  assert.equal(formatDuration(3 * 86400 + 4 * 3600), '3 d 4 h');
  const now = Date.parse('2026-12-04T12:00:12Z');
  assert.equal(formatAgo('2026-12-04T12:00:00Z', now), '12 s ago');
  assert.equal(formatAgo('2026-12-04T12:00:30Z', now), 'just now', 'a clock ahead of ours is not the future');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(300 * 1024 * 1024), '300 MB');
  assert.equal(formatPercent(3.14159), '3.1 %');
  assert.equal(formatPercent(42.4), '42 %');
});

test('uptime: the agent’s figure plus time since the heartbeat; nothing when not online', () => {
  const now = Date.parse('2026-12-04T12:00:10Z');
  const p = aProcess({ lastHeartbeatAt: '2026-12-04T12:00:00Z', registeredAt: '2026-12-04T11:00:00Z' });
  assert.equal(uptimeSeconds(p, now), 3600 + 10);
  assert.equal(uptimeSeconds({ ...p, health: { uptimeSeconds: 100 } }, now), 110);
  assert.equal(uptimeSeconds({ ...p, status: 'offline' }, now), null);
});

test('the connect command quotes names that need it', () => {
  assert.equal(connectCommand('survival', 'friends'), 'grid connect survival --grid friends');
  assert.equal(connectCommand('dev server', "bob's"), `grid connect 'dev server' --grid 'bob'\\''s'`);
});

test('history lines say what happened', () => {
  const e = { at: '2026-12-04T12:00:00Z', reason: null, exitCode: null };
  assert.equal(historyTitle({ ...e, from: 'registered', to: 'online' }), 'Registered and online');
  assert.equal(historyTitle({ ...e, from: 'offline', to: 'online' }), 'Back online');
  assert.equal(historyTitle({ ...e, from: 'online', to: 'offline' }), 'Went offline');
  assert.equal(historyTitle({ ...e, from: 'online', to: 'stopped', reason: 'exited', exitCode: 3 }), 'Stopped with exit code 3');
  assert.equal(historyDetail({ ...e, from: 'online', to: 'stopped', reason: 'force_stopped' }), 'force-stopped by an owner or admin');
});
