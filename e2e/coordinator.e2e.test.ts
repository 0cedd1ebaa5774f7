import { ApiError, type ProcessEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestPostgres, describeEachEngine } from '../packages/coordinator/src/testing/engines.js';
import { openEvents } from '../packages/coordinator/src/testing/events-socket.js';
import { addMember, signup } from '../packages/coordinator/src/testing/harness.js';
import { GridClient } from '@gridshare/protocol';
import { GRID_BIN, startServe, type ServeProcess } from './serve-process.js';

const STALE_AFTER_MS = 1000;
const SHORT = {
  GRID_HEARTBEAT_INTERVAL_MS: '200',
  GRID_STALE_AFTER_MS: String(STALE_AFTER_MS),
  GRID_AUTH_RATE_LIMIT: '1000',
};
/** For tests about what is kept, not about expiry: nothing expires while they read it back, however slow the machine. */
const LONG = { GRID_STALE_AFTER_MS: '60000', GRID_HEARTBEAT_INTERVAL_MS: '30000' };

describeEachEngine('grid serve end to end', (engine) => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let server: ServeProcess;

  before(async () => {
    if (engine === 'pglite') {
      const dir = await mkdtemp(join(tmpdir(), 'grid-e2e-'));
      env = { ...SHORT, GRID_DATA_DIR: dir, DATABASE_URL: '' };
      cleanup = () => rm(dir, { recursive: true, force: true });
    } else {
      const pg = await createTestPostgres();
      env = { ...SHORT, DATABASE_URL: pg.url };
      cleanup = () => pg.drop();
    }
    server = await startServe(env);
  });
  after(async () => {
    await server?.stop();
    await cleanup();
  });

  test('two users, one process: online → offline once its deadline passes → online → stopped → heartbeat 410', async () => {
    const anon = new GridClient({ baseUrl: server.url });
    const alice = await signup({ anon }, 'alice', 'pc1');
    const bob = await signup({ anon }, 'bob', 'pc2');
    const { grid } = await alice.client.createGrid({ name: 'minecraft night' });
    await addMember(alice, grid.id, bob);
    // Past the start-up grace window, so expiry is live.
    await new Promise((r) => setTimeout(r, 1000));

    const watch = await openEvents(bob.client.eventsUrl(grid.id), bob.token);
    try {
      await watch.next((e) => e.type === 'snapshot');
      const { process: p } = await alice.client.registerProcess(grid.id, { name: 'survival', kind: 'minecraft', ports: [{ port: 25565, protocol: 'tcp' }] });
      let from = 0;
      let lastBeatSentAt = 0;
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 150));
        // A machine slow enough to miss the window between two beats may flap it offline and back:
        // only an offline about this last beat counts below.
        from = watch.events.length;
        lastBeatSentAt = Date.now();
        assert.equal((await alice.client.heartbeat(grid.id, p.id)).status, 'online');
      }
      // Bob sees it online, live, and in the list with its host (listed by any status: a slow machine may have let it expire by now).
      await watch.next((e) => e.type === 'process' && e.process.id === p.id && e.process.status === 'online');
      const seen = await bob.client.listProcesses(grid.id);
      assert.ok(seen.processes.some((x) => x.id === p.id && x.hostUsername === alice.user.username && x.hostDeviceName === 'pc1'));

      const offline = (await watch.next(
        (e) => e.type === 'process' && e.process.id === p.id && e.process.status === 'offline' && Date.parse(e.process.lastHeartbeatAt) >= lastBeatSentAt,
        STALE_AFTER_MS + 30_000,
        from,
      )) as ProcessEvent;
      const lag = Date.now() - (Date.parse(offline.process.lastHeartbeatAt) + STALE_AFTER_MS);
      // Never before its deadline; after it, as soon as a sweep runs (the bound only catches an expiry left to much later).
      assert.ok(lag >= -5 && lag < STALE_AFTER_MS + 5000, `offline ${lag} ms after the deadline`);

      from = watch.events.length;
      await alice.client.heartbeat(grid.id, p.id);
      await watch.next((e) => e.type === 'process' && e.process.id === p.id && e.process.status === 'online', 30_000, from);

      from = watch.events.length;
      const { process: stopped } = await alice.client.unregisterProcess(grid.id, p.id);
      assert.equal(stopped.status, 'stopped');
      await watch.next((e) => e.type === 'process' && e.process.id === p.id && e.process.status === 'stopped', 30_000, from);
      await assert.rejects(alice.client.heartbeat(grid.id, p.id), (e: unknown) => e instanceof ApiError && e.status === 410 && e.code === 'process_stopped');
    } finally {
      watch.close();
    }
  });

  test('SIGTERM: pending heartbeats are flushed, the database closed, and everything is there after a restart', async () => {
    await server.stop();
    // A long flush interval leaves the last heartbeat only in memory when SIGTERM arrives.
    server = await startServe({ ...env, ...LONG, GRID_FLUSH_INTERVAL_MS: '1000' });
    const anon = new GridClient({ baseUrl: server.url });
    const alice = await signup({ anon }, 'alice', 'pc1');
    const { grid } = await alice.client.createGrid({ name: 'persist' });
    const { process: p } = await alice.client.registerProcess(grid.id, { name: 'kept' });
    await new Promise((r) => setTimeout(r, 50));
    await alice.client.heartbeat(grid.id, p.id, { health: { alive: true, pid: 77 } });
    assert.equal(await server.stop('SIGTERM'), 0, server.output());
    assert.match(server.output(), /"event":"coordinator.stopped"/);

    // A long stale window here too: with the short one, its start-up grace could end (and `kept` expire) before the read below.
    server = await startServe({ ...env, ...LONG });
    const again = new GridClient({ baseUrl: server.url, token: alice.token });
    const { process: after } = await again.getProcess(grid.id, p.id);
    assert.equal(after.status, 'online');
    assert.deepEqual(after.health, { alive: true, pid: 77 }, 'the heartbeat pending at SIGTERM was written');
    assert.ok(Date.parse(after.lastHeartbeatAt) > Date.parse(p.lastHeartbeatAt));
  });
});

test('an invalid setting stops grid serve with one line naming it', () => {
  const r = spawnSync(process.execPath, [GRID_BIN, 'serve'], { env: { ...process.env, GRID_STALE_AFTER_MS: 'soon' }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /GRID_STALE_AFTER_MS must be a whole number/);
});

test('a port already taken stops grid serve with one line that says how to pick another', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [GRID_BIN, 'serve', '--port', String(port)], {
        env: { ...process.env, HOST: '127.0.0.1', GRID_DATA_DIR: 'memory://', GRID_WEB_ROOT: 'off', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^grid serve: could not start: .*EADDRINUSE.*; something else listens on port ${port}: pick another with --port N \\(or PORT=N\\)\\n$`));
  } finally {
    taken.close();
  }
});
