import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRoute, paths } from './routes.js';

const G = '0b6c7a2e-1f0a-4c8e-9d0e-2a1b3c4d5e6f';
const P = '9f8e7d6c-5b4a-4321-8fed-cba987654321';

test('paths and routes round-trip', () => {
  assert.deepEqual(matchRoute('/'), { name: 'home' });
  assert.deepEqual(matchRoute('/login'), { name: 'login' });
  assert.deepEqual(matchRoute('/signup/'), { name: 'signup' });
  assert.deepEqual(matchRoute('/new'), { name: 'new-grid' });
  assert.deepEqual(matchRoute(paths.devices()), { name: 'devices' });
  assert.deepEqual(matchRoute('/join', '?code=ABCDE-FGHJK'), { name: 'join', code: 'ABCDE-FGHJK' });
  assert.deepEqual(matchRoute(paths.grid(G)), { name: 'grid', gridId: G, tab: 'processes' });
  assert.deepEqual(matchRoute(paths.grid(G, 'members')), { name: 'grid', gridId: G, tab: 'members' });
  assert.deepEqual(matchRoute(paths.grid(G, 'invites')), { name: 'grid', gridId: G, tab: 'invites' });
  assert.deepEqual(matchRoute(paths.process(G, P)), { name: 'process', gridId: G, processId: P });
});

test('anything else is not found', () => {
  for (const p of ['/grids', '/grids/nope', `/grids/${G}/settings`, '/whatever', `/grids/${G}/processes/x`]) {
    assert.deepEqual(matchRoute(p), { name: 'not-found' }, p);
  }
});
