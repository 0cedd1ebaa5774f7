import '../../testing/dom.js';
import type { Connection, Process, Role } from '@gridshare/protocol';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { h, renderApp } from '../../testing/app.js';
import { apiError, fakeClient } from '../../testing/fake-api.js';
import { FakeWebSocket } from '../../testing/fake-websocket.js';
import { aConnection, ALICE, aMember, aProcess, BOB, GRID_ID, secondsAgo } from '../../testing/fixtures.js';
import { ProcessConnections } from './process-connections.js';

afterEach(cleanup);

const survival = aProcess({ name: 'survival' });
const base = `/grids/${GRID_ID}/processes/${survival.id}/connections`;
const gets = (calls: string[]) => calls.filter((c) => c === `GET ${base}`).length;
const rows = () => screen.getAllByRole('listitem');

describe('who sees the section (decided by the page, before any request)', () => {
  let uninstall: () => void;
  beforeEach(() => {
    uninstall = FakeWebSocket.install();
  });
  afterEach(() => uninstall());

  /** Alice opens a process's page with `role` in the grid; returns the requests made. */
  async function openAs(role: Role, p: Process): Promise<string[]> {
    const path = `/grids/${GRID_ID}/processes/${p.id}`;
    const { calls } = renderApp(path, {
      [`GET ${path}/events`]: () => ({ events: [] }),
      [`GET ${path}/connections`]: () => ({ connections: [aConnection({ processId: p.id })] }),
    });
    await screen.findByText('Connecting to the grid…');
    await waitFor(() => assert.ok(FakeWebSocket.instances.length > 0, 'an events socket was opened'));
    const members = [aMember({ role }), aMember({ userId: BOB, username: 'bob', role: role === 'owner' ? 'member' : 'owner' })];
    await FakeWebSocket.latest().deliver({ type: 'snapshot', processes: [p], members, devices: [] });
    await screen.findByText('No state changes recorded yet.');
    return calls;
  }

  test('the host sees it from any device, even as a plain member', async () => {
    const calls = await openAs('member', aProcess({ hostUserId: ALICE, hostUsername: 'alice' }));
    assert.ok(await screen.findByText('bob'));
    assert.ok(screen.getByRole('heading', { name: 'Connections 1 open' }));
    assert.equal(calls.filter((c) => c.endsWith('/connections')).length, 1);
  });

  test('an admin sees it for someone else’s process', async () => {
    await openAs('admin', aProcess({ hostUserId: BOB, hostUsername: 'bob' }));
    assert.ok(await screen.findByRole('heading', { name: 'Connections 1 open' }));
  });

  test('a member who is not the host does not see it, and the page never asks', async () => {
    const calls = await openAs('member', aProcess({ hostUserId: BOB, hostUsername: 'bob' }));
    await act(async () => {});
    assert.equal(screen.queryByRole('heading', { name: /Connections/ }), null);
    assert.deepEqual(
      calls.filter((c) => c.includes('/connections')),
      [],
    );
  });
});

test('open and closed connections, newest first: who, port, opened, duration or open, bytes, why it closed', async () => {
  const open = aConnection({ processId: survival.id, openedAt: secondsAgo(65), bytesIn: 1536, bytesOut: 300 * 1024 * 1024 });
  const closed = aConnection({
    processId: survival.id,
    username: 'carol',
    deviceName: 'desktop',
    port: 25575,
    openedAt: secondsAgo(2 * 3600),
    closedAt: secondsAgo(2 * 3600 - 300),
    closeReason: 'idle_timeout',
    bytesIn: 512,
    bytesOut: 0,
  });
  const { client } = fakeClient({ [`GET ${base}`]: () => ({ connections: [open, closed] }) });
  render(h(ProcessConnections, { client, process: survival }));
  await screen.findByText('bob');
  assert.ok(screen.getByRole('heading', { name: 'Connections 1 open' }));
  const [first, second] = rows();
  assert.equal(first!.textContent, 'bob @ laptopOpenport 25565 · opened 1 min ago · open · 1.5 KB in / 300 MB outClose');
  assert.ok(within(first!).getByRole('button', { name: 'Close' }));
  assert.equal(second!.textContent, 'carol @ desktopClosedport 25575 · opened 2 h ago · lasted 5 min · 512 B in / 0 B out · closed after being idle too long');
  assert.equal(within(second!).queryByRole('button'), null, 'a closed connection has nothing to close');
  assert.ok(screen.getByRole('button', { name: 'Close all' }));
});

test('nothing yet: the empty state points at the connect command; no Close all', async () => {
  const { client } = fakeClient({ [`GET ${base}`]: () => ({ connections: [] }) });
  render(h(ProcessConnections, { client, process: survival }));
  await screen.findByRole('heading', { name: 'No one has connected yet' });
  assert.match(screen.getByText(/command above/).textContent!, /^Share the grid connect command above\.$/);
  assert.equal(screen.queryByRole('button', { name: 'Close all' }), null);
});

test('Close on one row asks first, calls DELETE …/connections/:id, then reloads the list', async () => {
  let c: Connection = aConnection({ processId: survival.id });
  const { client, calls } = fakeClient({
    [`GET ${base}`]: () => ({ connections: [c] }),
    [`DELETE ${base}/${c.id}`]: () => {
      c = { ...c, closedAt: new Date().toISOString(), closeReason: 'closed_by_host' };
      return undefined;
    },
  });
  render(h(ProcessConnections, { client, process: survival }));
  await screen.findByText('bob');
  fireEvent.click(screen.getByRole('button', { name: 'Close' }));
  assert.ok(screen.getByRole('group', { name: 'Close bob’s connection?' }));
  assert.equal(calls.filter((x) => x.startsWith('DELETE')).length, 0, 'nothing closed before the confirmation');
  fireEvent.click(screen.getByRole('button', { name: 'Close it' }));
  await screen.findByText('Closed bob’s connection.');
  await waitFor(() => assert.match(rows()[0]!.textContent!, /Closed.*closed by the host or an admin/));
  assert.deepEqual(
    calls.filter((x) => x.startsWith('DELETE')),
    [`DELETE ${base}/${c.id}`],
  );
  assert.equal(gets(calls), 2, 'loaded on mount and again after the close');
  assert.equal(screen.queryByRole('button', { name: 'Close all' }), null);
});

test('Close all asks first, calls DELETE …/connections, says how many, then reloads', async () => {
  let list = [aConnection({ processId: survival.id }), aConnection({ processId: survival.id, username: 'carol' })];
  const { client, calls } = fakeClient({
    [`GET ${base}`]: () => ({ connections: list }),
    [`DELETE ${base}`]: () => {
      list = list.map((c) => ({ ...c, closedAt: new Date().toISOString(), closeReason: 'closed_by_host' }));
      return { closed: 2 };
    },
  });
  render(h(ProcessConnections, { client, process: survival }));
  await screen.findByText('carol');
  fireEvent.click(screen.getByRole('button', { name: 'Close all' }));
  fireEvent.click(within(screen.getByRole('group', { name: 'Close all 2 open connections?' })).getByRole('button', { name: 'Close them' }));
  await screen.findByText('Closed 2 connections.');
  await waitFor(() => assert.ok(screen.getByRole('heading', { name: 'Connections 0 open' }), 'the heading says 0 open'));
  assert.deepEqual(
    calls.filter((x) => x.startsWith('DELETE')),
    [`DELETE ${base}`],
  );
  assert.equal(gets(calls), 2);
  assert.deepEqual(
    rows().map((r) => r.querySelector('.pill')!.textContent),
    ['Closed', 'Closed'],
  );
});

test('Refresh loads again (nothing else does but a status change: there is no event for connections)', async () => {
  let list: Connection[] = [];
  const { client, calls } = fakeClient({ [`GET ${base}`]: () => ({ connections: list }) });
  const view = render(h(ProcessConnections, { client, process: survival }));
  await screen.findByRole('heading', { name: 'No one has connected yet' });
  list = [aConnection({ processId: survival.id })];
  fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
  await screen.findByText('bob');
  assert.equal(gets(calls), 2);
  // A status change may have closed them (process_stopped): load again then too.
  view.rerender(h(ProcessConnections, { client, process: { ...survival, status: 'stopped' } }));
  await waitFor(() => assert.equal(gets(calls), 3));
});

test('a failed load is an error state with Try again; a failed close says why and reloads', async () => {
  let down = true;
  const { client, calls } = fakeClient({
    [`GET ${base}`]: () => {
      if (down) throw apiError(503, 'service_unavailable');
      return { connections: [aConnection({ processId: survival.id })] };
    },
    [`DELETE ${base}`]: () => {
      throw apiError(503, 'service_unavailable');
    },
  });
  render(h(ProcessConnections, { client, process: survival }));
  const alert = await screen.findByRole('alert');
  assert.match(alert.textContent!, /Could not load the connections.*The server had a problem/);
  down = false;
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await screen.findByText('bob');

  fireEvent.click(screen.getByRole('button', { name: 'Close all' }));
  fireEvent.click(screen.getByRole('button', { name: 'Close them' }));
  await waitFor(() => assert.match(screen.getByRole('alert').textContent!, /The server had a problem/));
  await waitFor(() => assert.equal(gets(calls), 3));
  assert.ok(screen.getByText('bob'), 'the list stays');
});
