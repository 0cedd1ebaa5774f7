import './dom.js';
import type { GridDetailResponse, MeResponse } from '@gridshare/protocol';
import { render } from '@testing-library/react';
import { createElement } from 'react';
import { App } from '../app/app.js';
import { TOKEN_KEY } from '../features/auth/token-store.js';
import { fakeClient } from './fake-api.js';
import { aMember, ALICE, GRID_ID } from './fixtures.js';

export const h = createElement;

export const ME: MeResponse = {
  user: { id: ALICE, username: 'alice', createdAt: '2026-12-01T10:00:00.000Z' },
  device: { id: 'dddddddd-0000-4000-8000-000000000001', name: 'Chrome on Linux', createdAt: '2026-12-01T10:00:00.000Z', lastSeenAt: '2026-12-01T10:00:00.000Z' },
};

export const FRIENDS: GridDetailResponse = {
  grid: { id: GRID_ID, name: 'friends', createdAt: '2026-12-01T10:00:00.000Z', createdBy: ALICE },
  members: [aMember()],
  devices: [],
};

/** The whole app at `path`, signed in as alice (unless token is null), against a fake API. */
export function renderApp(path: string, routes: Record<string, (body: unknown) => unknown> = {}, token: string | null = 'gst_test') {
  window.history.replaceState(null, '', path);
  window.localStorage.clear();
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  const { client, calls } = fakeClient({
    'GET /me': () => ME,
    'GET /grids': () => ({ grids: [{ ...FRIENDS.grid, role: 'owner', memberCount: 1 }] }),
    [`GET /grids/${GRID_ID}`]: () => FRIENDS,
    ...routes,
  });
  return { ...render(h(App, { base: client })), calls };
}
