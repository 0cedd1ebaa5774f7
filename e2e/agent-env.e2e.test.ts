import type { LocalProcessResponse } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { AGENT_ENV, Pc, waitUntil } from './agent-harness.js';

/** The environment a process gets: the agent's, its own --env on top, never the password given to `grid login`. */
let t: TestCoordinator;
let pc: Pc;

before(async () => {
  t = await startTestCoordinator('pglite');
  pc = await Pc.create('env');
  pc.extraEnv = { GRIDSHARE_TEST_MARK: 'from-the-shell' };
  // GRID_PASSWORD (AGENT_ENV) is set for the CLI, which starts the agent.
  await pc.ok('signup', '--server', t.url, '--username', `erin${process.pid}`, '--device-name', 'pc');
  await pc.ok('grids', 'create', 'lan');
});

after(async () => {
  await pc?.destroy();
  await t?.close();
});

const environOf = async (pid: number) =>
  Object.fromEntries(
    (await readFile(`/proc/${pid}/environ`, 'utf8'))
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>;

test('GRID_PASSWORD reaches neither the agent nor its processes; the rest of the environment and --env do', async () => {
  assert.ok(AGENT_ENV.GRID_PASSWORD, 'premise: the CLI had a password in its environment');
  const agent = await environOf((await pc.status()).agent.pid);
  assert.equal(agent.GRID_PASSWORD, undefined, 'the agent the CLI started');
  assert.equal(agent.GRIDSHARE_TEST_MARK, 'from-the-shell');

  const { process: p } = await pc.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'envy', '--env', 'OWN=1', '--', 'sleep', '600');
  await waitUntil(async () => (await environOf(p.runtime.pid!).catch(() => ({}) as Record<string, string>)).OWN === '1', 'the process to start');
  const child = await environOf(p.runtime.pid!);
  assert.equal(child.GRID_PASSWORD, undefined, 'the process the agent started');
  assert.equal(child.GRIDSHARE_TEST_MARK, 'from-the-shell');
  assert.equal(child.GRID_HOME, pc.home, 'a process may run `grid` itself, on the same agent');
});
