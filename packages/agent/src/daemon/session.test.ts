import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { agentPaths } from '../paths.js';
import { Session } from './session.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function home(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'grid-session-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const session = new Session(agentPaths({ GRID_HOME: dir }));
  await session.load();
  return { dir, session };
}

const info = {
  server: 'http://127.0.0.1:8080',
  user: { id: '11111111-0000-4000-8000-000000000000', username: 'alice', createdAt: '2026-01-01T00:00:00.000Z' },
  device: { id: '22222222-0000-4000-8000-000000000000', name: 'desk', createdAt: '2026-01-01T00:00:00.000Z', lastSeenAt: '2026-01-01T00:00:00.000Z' },
};

test('a saved session loads; none at all is simply logged out', async () => {
  const { session } = await home({ 'config.json': JSON.stringify(info), token: 'tok\n' });
  assert.deepEqual(session.info, info);
  assert.equal(session.loggedIn, true);
  const empty = (await home({})).session;
  assert.equal(empty.loggedIn, false);
  assert.equal(empty.problem, null);
});

test('a corrupt config.json is a problem that names the file and the fix, not "not logged in"', async () => {
  const { dir, session } = await home({ 'config.json': 'garbage{', token: 'tok\n' });
  assert.equal(session.loggedIn, false);
  assert.equal(session.problem, `${join(dir, 'config.json')} is corrupt (not valid JSON); run \`grid login --server URL\` to replace it, or delete it`);
  const wrongShape = (await home({ 'config.json': '{"server":1}', token: 'tok\n' })).session;
  assert.match(wrongShape.problem ?? '', /config\.json is corrupt \(\/.*\); run `grid login --server URL` to replace it/);
  await session.clear();
  assert.equal(session.problem, null);
});
