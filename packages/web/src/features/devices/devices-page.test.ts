import '../../testing/dom.js';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { OwnDevice } from '@gridshare/protocol';
import { ME, renderApp } from '../../testing/app.js';
import { apiError } from '../../testing/fake-api.js';

afterEach(cleanup);

const LAPTOP = 'eeeeeeee-0000-4000-8000-000000000002';
const device = (over: Partial<OwnDevice>): OwnDevice => ({
  id: ME.device.id,
  name: 'Chrome on Linux',
  createdAt: '2026-12-01T10:00:00.000Z',
  lastSeenAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
  online: true,
  current: true,
  ...over,
});

test('my devices: this browser marked, which are online, and logging out another one (asked first)', async () => {
  let devices = [device({ id: LAPTOP, name: 'old laptop', online: false, current: false }), device({})];
  const { calls } = renderApp('/devices', {
    'GET /devices': () => ({ devices }),
    [`DELETE /devices/${LAPTOP}`]: () => {
      devices = devices.filter((d) => d.id !== LAPTOP);
      return undefined;
    },
  });
  const list = await screen.findByRole('list', { name: 'Devices' });
  const rows = () => [...list.querySelectorAll('li')].map((li) => li.textContent);
  assert.deepEqual(rows(), ['old laptopoffline · seen 2 h agoLog out', 'Chrome on Linux (this browser)online']);
  assert.equal(document.title, 'Your devices — Gridshare');
  assert.ok(screen.getByRole('link', { name: /My devices/ }), 'reached from the sidebar');

  const laptop = list.querySelector(`li[data-device-id="${LAPTOP}"]`) as HTMLElement;
  fireEvent.click(within(laptop).getByRole('button', { name: 'Log out' }));
  assert.ok(!calls.includes(`DELETE /devices/${LAPTOP}`), 'nothing happens before the confirmation');
  fireEvent.click(within(laptop).getAllByRole('button', { name: 'Log out' }).at(-1)!);
  await waitFor(() => assert.deepEqual(rows(), ['Chrome on Linux (this browser)online']));
  assert.ok(calls.includes(`DELETE /devices/${LAPTOP}`));
});

test('this browser is online while it looks, whatever its presence says (it holds no events socket on this page)', async () => {
  renderApp('/devices', { 'GET /devices': () => ({ devices: [device({ online: false })] }) });
  const list = await screen.findByRole('list', { name: 'Devices' });
  assert.equal(list.querySelector('li')!.textContent, 'Chrome on Linux (this browser)online');
});

test('coming back to the page (focus, or the tab shown again) asks again: a device that came online shows it', async () => {
  let laptopOnline = false;
  renderApp('/devices', { 'GET /devices': () => ({ devices: [device({ id: LAPTOP, name: 'laptop', online: laptopOnline, current: false }), device({})] }) });
  const list = await screen.findByRole('list', { name: 'Devices' });
  const laptop = () => list.querySelector(`li[data-device-id="${LAPTOP}"]`)!.textContent!;
  assert.match(laptop(), /offline/);
  laptopOnline = true;
  fireEvent.focus(window);
  await waitFor(() => assert.match(laptop(), /^laptoponline/));
  laptopOnline = false;
  Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
  fireEvent(document, new Event('visibilitychange'));
  await waitFor(() => assert.match(laptop(), /offline/));
});

test('the list cannot be loaded: an error with a retry', async () => {
  let fail = true;
  renderApp('/devices', {
    'GET /devices': () => {
      if (fail) throw apiError(0, 'service_unavailable');
      return { devices: [device({})] };
    },
  });
  await screen.findByRole('heading', { name: 'Could not load your devices' });
  fail = false;
  fireEvent.click(screen.getByRole('button', { name: /Try again|Retry/ }));
  await screen.findByRole('list', { name: 'Devices' });
});
