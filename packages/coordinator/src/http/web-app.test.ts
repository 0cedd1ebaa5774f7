import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestCoordinator, type TestCoordinator } from '../testing/harness.js';
import { PAGE_POLICY } from './security-headers.js';
import { isAppRoute } from './web-app.js';

test('isAppRoute: pages of the app, not the API, operations or assets', () => {
  assert.equal(isAppRoute('GET', '/grids/abc'), true);
  assert.equal(isAppRoute('GET', '/'), true);
  assert.equal(isAppRoute('GET', '/api/v1/grids'), false);
  assert.equal(isAppRoute('GET', '/healthz'), false);
  assert.equal(isAppRoute('GET', '/assets/app.js'), false);
  assert.equal(isAppRoute('POST', '/grids/abc'), false);
});

let t: TestCoordinator;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-web-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Gridshare</title>');
  await writeFile(join(dir, 'app.js'), 'console.log(1)');
  t = await startTestCoordinator('pglite', { GRID_WEB_ROOT: dir });
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

test('the built web app is served at /, its routes get index.html, and the API still answers JSON 404s', async () => {
  for (const path of ['/', '/grids/123/processes']) {
    const res = await fetch(`${t.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<title>Gridshare<\/title>/);
  }
  const page = await fetch(`${t.url}/grids/123/processes`);
  assert.equal(page.headers.get('content-security-policy'), PAGE_POLICY, 'pages load and talk to this coordinator only');
  assert.match(PAGE_POLICY, /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY', 'and are never framed');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await fetch(`${t.url}/app.js`)).status, 200);
  assert.equal((await fetch(`${t.url}/missing.js`)).status, 404);
  const api = await fetch(`${t.url}/api/v1/nothing-here`);
  assert.equal(api.status, 404);
  assert.deepEqual(((await api.json()) as { error: { code: string } }).error.code, 'not_found');
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff', 'every answer');
  assert.equal(api.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(api.headers.get('content-security-policy'), null, 'the policy is for pages');
});
