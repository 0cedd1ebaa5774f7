import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aMember, aProcess, BOB } from '../../testing/fixtures.js';
import { applyEvent, countOnline, initialLiveGrid, liveGridReducer, sortProcesses } from './grid-state.js';

test('a snapshot replaces the grid; process events update one row or add it', () => {
  const a = aProcess({ name: 'a' });
  const b = aProcess({ name: 'b' });
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [a], members: [aMember()] });
  assert.deepEqual(s.processes, [a]);
  s = applyEvent(s, { type: 'process', process: { ...a, status: 'offline' } });
  assert.equal(s.processes?.[0]?.status, 'offline');
  s = applyEvent(s, { type: 'process', process: b });
  assert.equal(s.processes?.length, 2);
  s = applyEvent(s, { type: 'snapshot', processes: [b], members: [] });
  assert.deepEqual(s.processes, [b]);
});

test('member events: joined adds, role_changed replaces, left removes', () => {
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [], members: [aMember()] });
  const bob = aMember({ userId: BOB, username: 'bob', role: 'member' });
  s = applyEvent(s, { type: 'member', change: 'joined', member: bob });
  assert.equal(s.members?.length, 2);
  s = applyEvent(s, { type: 'member', change: 'role_changed', member: { ...bob, role: 'admin' } });
  assert.equal(s.members?.find((m) => m.userId === BOB)?.role, 'admin');
  s = applyEvent(s, { type: 'member', change: 'left', member: bob });
  assert.deepEqual(s.members?.map((m) => m.username), ['alice']);
});

test('status and end are tracked; reset starts over', () => {
  let s = liveGridReducer(initialLiveGrid, { type: 'status', status: 'reconnecting' });
  assert.equal(s.status, 'reconnecting');
  s = liveGridReducer(s, { type: 'ended', reason: 'removed' });
  assert.equal(s.ended, 'removed');
  assert.equal(liveGridReducer(s, { type: 'reset' }), initialLiveGrid);
});

test('online first, then offline, then stopped, by name; online count', () => {
  const list = [
    aProcess({ name: 'z', status: 'stopped' }),
    aProcess({ name: 'b', status: 'offline' }),
    aProcess({ name: 'y', status: 'online' }),
    aProcess({ name: 'a', status: 'online' }),
  ];
  assert.deepEqual(sortProcesses(list).map((p) => p.name), ['a', 'y', 'b', 'z']);
  assert.equal(countOnline(list), 2);
  assert.equal(countOnline(null), 0);
});
