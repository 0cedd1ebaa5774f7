import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aDevice, aMember, aProcess, BOB } from '../../testing/fixtures.js';
import { applyEvent, countOnline, initialLiveGrid, liveGridReducer, sortProcesses } from './grid-state.js';

test('a snapshot replaces the grid; process events update one row or add it', () => {
  const a = aProcess({ name: 'a' });
  const b = aProcess({ name: 'b' });
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [a], members: [aMember()], devices: [] });
  assert.deepEqual(s.processes, [a]);
  s = applyEvent(s, { type: 'process', process: { ...a, status: 'offline' } });
  assert.equal(s.processes?.[0]?.status, 'offline');
  s = applyEvent(s, { type: 'process', process: b });
  assert.equal(s.processes?.length, 2);
  s = applyEvent(s, { type: 'snapshot', processes: [b], members: [], devices: [] });
  assert.deepEqual(s.processes, [b]);
});

test('member events: joined adds, role_changed replaces, left removes', () => {
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [], members: [aMember()], devices: [] });
  const bob = aMember({ userId: BOB, username: 'bob', role: 'member' });
  s = applyEvent(s, { type: 'member', change: 'joined', member: bob });
  assert.equal(s.members?.length, 2);
  s = applyEvent(s, { type: 'member', change: 'role_changed', member: { ...bob, role: 'admin' } });
  assert.equal(s.members?.find((m) => m.userId === BOB)?.role, 'admin');
  s = applyEvent(s, { type: 'member', change: 'left', member: bob });
  assert.deepEqual(s.members?.map((m) => m.username), ['alice']);
});

test('device events: a device comes online, goes offline; a member who leaves takes their devices along', () => {
  const desk = aDevice({ name: 'desk', online: false });
  const bob = aMember({ userId: BOB, username: 'bob', role: 'member' });
  const bobsPc = aDevice({ userId: BOB, name: 'bobs-pc' });
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [], members: [aMember(), bob], devices: [desk, bobsPc] });
  s = applyEvent(s, { type: 'device', device: { ...desk, online: true } });
  assert.deepEqual(s.devices?.map((d) => [d.name, d.online]), [['desk', true], ['bobs-pc', true]]);
  const laptop = aDevice({ name: 'laptop' });
  s = applyEvent(s, { type: 'device', device: laptop });
  assert.equal(s.devices?.length, 3);
  s = applyEvent(s, { type: 'member', change: 'left', member: bob });
  assert.deepEqual(s.devices?.map((d) => d.name), ['desk', 'laptop']);
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

test('joins are counted: each joined member, and each snapshot after the first (joins may have been missed while cut off)', () => {
  const bob = aMember({ userId: BOB, username: 'bob', role: 'member' });
  let s = applyEvent(initialLiveGrid, { type: 'snapshot', processes: [], members: [aMember()], devices: [] });
  assert.equal(s.memberJoins, 0);
  s = applyEvent(s, { type: 'member', change: 'joined', member: bob });
  assert.equal(s.memberJoins, 1);
  s = applyEvent(s, { type: 'member', change: 'role_changed', member: { ...bob, role: 'admin' } });
  s = applyEvent(s, { type: 'member', change: 'left', member: bob });
  s = applyEvent(s, { type: 'process', process: aProcess() });
  assert.equal(s.memberJoins, 1, 'only joins count');
  s = applyEvent(s, { type: 'snapshot', processes: [], members: [aMember()], devices: [] });
  assert.equal(s.memberJoins, 2);
});
