import '../../testing/dom.js';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { ME, renderApp } from '../../testing/app.js';
import { apiError } from '../../testing/fake-api.js';
import { FakeWebSocket } from '../../testing/fake-websocket.js';
import { aDevice, ALICE, aMember, anInvite, aProcess, BOB, GRID_ID } from '../../testing/fixtures.js';

let uninstall: () => void;
beforeEach(() => {
  uninstall = FakeWebSocket.install();
});
afterEach(() => {
  cleanup();
  uninstall();
});

const survival = aProcess({ name: 'survival' });
const creative = aProcess({ name: 'creative', hostUserId: BOB, hostUsername: 'bob', hostDeviceName: 'laptop' });
const members = [aMember(), aMember({ userId: BOB, username: 'bob', role: 'member' })];

/** Opens a grid page and waits for its events socket. */
async function openGrid(path = `/grids/${GRID_ID}`, routes: Parameters<typeof renderApp>[1] = {}): Promise<FakeWebSocket> {
  renderApp(path, routes);
  await screen.findByRole('heading', { level: 1, name: 'friends' });
  await waitFor(() => assert.ok(FakeWebSocket.instances.length > 0, 'an events socket was opened'));
  return FakeWebSocket.latest();
}

test('the workspace opens the events socket with the token as a subprotocol (in no URL) and shows the snapshot; the title counts what is online', async () => {
  const ws = await openGrid();
  assert.equal(ws.url, `ws://localhost/api/v1/grids/${GRID_ID}/events`);
  assert.deepEqual(ws.protocols, ['gridshare.events', 'bearer.gst_test']);
  assert.ok(screen.getByText('Connecting to the grid…'));
  await ws.deliver({ type: 'snapshot', processes: [survival, creative], members, devices: [] });
  assert.ok(screen.getByRole('link', { name: 'survival' }));
  assert.equal(document.title, '(2 online) friends — Gridshare');

  // Live: a process event changes one row and the title, with no reload.
  await ws.deliver({ type: 'process', process: { ...creative, status: 'offline' } });
  assert.equal(document.title, '(1 online) friends — Gridshare');
  assert.ok(screen.getByRole('link', { name: 'creative' }).closest('li')!.textContent!.includes('Offline'));
});

test('a cut connection shows the reconnecting banner until the next snapshot', async () => {
  await (await openGrid()).deliver({ type: 'snapshot', processes: [survival], members, devices: [] });
  assert.equal(screen.queryByText('Reconnecting…'), null);
  await FakeWebSocket.latest().drop(1001);
  assert.ok(screen.getByText('Reconnecting…'));
  assert.ok(screen.getByRole('link', { name: 'survival' }), 'what we knew stays on screen');
  await waitFor(() => assert.equal(FakeWebSocket.instances.length, 2));
  await FakeWebSocket.latest().deliver({ type: 'snapshot', processes: [], members, devices: [] });
  assert.equal(screen.queryByText('Reconnecting…'), null);
  assert.ok(screen.getByRole('heading', { name: 'Nothing shared yet' }));
});

test('a grid that does not exist for me is a clear "not found" page', async () => {
  renderApp(`/grids/${GRID_ID}`, {
    [`GET /grids/${GRID_ID}`]: () => {
      throw apiError(404, 'grid_not_found');
    },
  });
  await screen.findByRole('heading', { name: 'Grid not found' });
  assert.ok(screen.getByText(/you are not a member/));
  assert.ok(screen.getAllByRole('link', { name: 'Join with a code' }).at(-1)!.classList.contains('btn-primary'));
  await waitFor(() => assert.equal(document.title, 'Not found — Gridshare'));
  assert.equal(FakeWebSocket.instances.length, 0);
});

test('removed from the grid while watching it (close 4403): says so', async () => {
  await (await openGrid()).deliver({ type: 'snapshot', processes: [], members, devices: [] });
  await FakeWebSocket.latest().drop(4403);
  await screen.findByRole('heading', { name: 'You are no longer in friends' });
});

test('members with roles and which of their devices are online, live from device events', async () => {
  // Times far from any boundary of "… ago", so a slow run reads them the same.
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const laptop = aDevice({ id: creative.hostDeviceId, userId: BOB, name: 'laptop', lastSeenAt: minutesAgo(120.5) });
  const phone = aDevice({ userId: BOB, name: 'phone', online: false, lastSeenAt: new Date(Date.now() - 3 * 3600_000).toISOString() });
  const ws = await openGrid(`/grids/${GRID_ID}/members`);
  const thisBrowser = aDevice({ id: ME.device.id, userId: ALICE, name: 'Chrome on Linux' });
  const carol = aMember({ userId: '33333333-3333-4333-8333-333333333333', username: 'carol', role: 'member' });
  await ws.deliver({ type: 'snapshot', processes: [survival, creative], members: [...members, carol], devices: [phone, laptop, thisBrowser] });
  assert.match(document.querySelector(`li.member[data-user-id="${carol.userId}"]`)!.textContent!, /No device logged in/);
  const bob = screen.getByText('bob').closest('li')!;
  assert.match(bob.textContent!, /Member/);
  const chips = () => [...bob.querySelectorAll('.device-chip')].map((c) => c.textContent);
  assert.deepEqual(chips(), ['laptop online · 1 process', 'phone offline · seen 3 h ago']);
  assert.equal(document.querySelector(`li.member[data-user-id="${ALICE}"] .device-chip`)!.textContent, 'Chrome on Linux (this browser) online');

  await ws.deliver({ type: 'device', device: { ...phone, online: true } });
  assert.deepEqual(chips(), ['laptop online · 1 process', 'phone online']);
  await ws.deliver({ type: 'device', device: { ...phone, online: false, lastSeenAt: minutesAgo(30.5) } });
  assert.deepEqual(chips(), ['laptop online · 1 process', 'phone offline · seen 30 min ago']);
  // Its link is gone but its process still heartbeats: the process proves it is online; once that stops, it is offline.
  await ws.deliver({ type: 'device', device: { ...laptop, online: false } });
  assert.deepEqual(chips(), ['laptop online · 1 process', 'phone offline · seen 30 min ago']);
  await ws.deliver({ type: 'process', process: { ...creative, status: 'offline' } });
  assert.deepEqual(chips(), ['laptop offline · seen 2 h ago', 'phone offline · seen 30 min ago']);
  assert.ok(within(bob).getByRole('button', { name: 'Remove' }), 'the owner may remove bob');
  assert.ok(screen.getByLabelText('Role of bob'));
  await act(async () => {});
});

test('a process page is titled "(N online) process · grid — Gridshare", kept live', async () => {
  renderApp(`/grids/${GRID_ID}/processes/${creative.id}`);
  await waitFor(() => assert.ok(FakeWebSocket.instances.length > 0, 'an events socket was opened'));
  await FakeWebSocket.latest().deliver({ type: 'snapshot', processes: [survival, creative], members, devices: [] });
  await screen.findByRole('heading', { name: 'History' });
  assert.equal(document.title, '(2 online) creative · friends — Gridshare');
  await FakeWebSocket.latest().deliver({ type: 'process', process: { ...survival, status: 'offline' } });
  assert.equal(document.title, '(1 online) creative · friends — Gridshare');
});

test('a process that is not in the grid: "Not found" in the title, plain words, and a way back to the grid', async () => {
  const unknown = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
  renderApp(`/grids/${GRID_ID}/processes/${unknown}`);
  await waitFor(() => assert.ok(FakeWebSocket.instances.length > 0, 'an events socket was opened'));
  await FakeWebSocket.latest().deliver({ type: 'snapshot', processes: [survival], members, devices: [] });
  await screen.findByRole('heading', { name: 'Process not found' });
  assert.equal(document.title, 'Not found — Gridshare');
  const main = screen.getByRole('main');
  assert.match(main.textContent!, /It may have been removed, or you followed an old link\./);
  assert.doesNotMatch(main.textContent!, /registered|\bid\b/);
  const back = within(main).getByRole('link', { name: 'Back to friends' });
  assert.equal(back.getAttribute('href'), `/grids/${GRID_ID}`);
  assert.ok(back.classList.contains('btn-primary'));
  assert.ok(within(main).getByRole('link', { name: 'Back to my grids' }));
});

test('the invites tab loads its list again when someone joins, so the use count goes up live', async () => {
  let uses = 0;
  const ws = await openGrid(`/grids/${GRID_ID}/invites`, {
    [`GET /grids/${GRID_ID}/invites`]: () => ({ invites: [anInvite({ code: 'AAAAA22222', maxUses: 5, uses })] }),
  });
  await ws.deliver({ type: 'snapshot', processes: [], members: [aMember()], devices: [] });
  await screen.findByText(/0 of 5 uses/);
  uses = 1;
  await ws.deliver({ type: 'member', change: 'joined', member: members[1]! });
  await screen.findByText(/1 of 5 uses/);
});
