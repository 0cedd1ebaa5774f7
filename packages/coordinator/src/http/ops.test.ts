import { ApiError } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { eventually, signup, startTestCoordinator, type TestCoordinator } from '../testing/harness.js';
import { databaseOutage, type DatabaseOutage } from '../testing/outage.js';

/** The value of one sample line of the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function metrics(t: TestCoordinator): Promise<string> {
  const res = await fetch(`${t.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

async function readyz(t: TestCoordinator): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every /api/v1 route the coordinator serves (HEAD twins left out), in OpenAPI path form. */
const API_ROUTES: Array<[method: string, path: string]> = [
  ['post', '/api/v1/auth/signup'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/logout'],
  ['get', '/api/v1/me'],
  ['post', '/api/v1/grids'],
  ['get', '/api/v1/grids'],
  ['get', '/api/v1/grids/{gridId}'],
  ['delete', '/api/v1/grids/{gridId}/members/{userId}'],
  ['patch', '/api/v1/grids/{gridId}/members/{userId}'],
  ['post', '/api/v1/grids/{gridId}/invites'],
  ['get', '/api/v1/grids/{gridId}/invites'],
  ['delete', '/api/v1/grids/{gridId}/invites/{code}'],
  ['post', '/api/v1/grids/join'],
  ['post', '/api/v1/grids/{gridId}/processes'],
  ['get', '/api/v1/grids/{gridId}/processes'],
  ['get', '/api/v1/grids/{gridId}/processes/{processId}'],
  ['delete', '/api/v1/grids/{gridId}/processes/{processId}'],
  ['post', '/api/v1/grids/{gridId}/processes/{processId}/heartbeat'],
  ['get', '/api/v1/grids/{gridId}/events'],
];
const toFastifyPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');

describeEachEngine('ops endpoints', (engine) => {
  describe('health, metrics and the API document', () => {
    let t: TestCoordinator;

    before(async () => {
      // Long liveness windows: nothing expires behind this suite's back.
      t = await startTestCoordinator(engine, { GRID_HEARTBEAT_INTERVAL_MS: '10000', GRID_STALE_AFTER_MS: '120000' });
    });
    after(() => t.close());

    test('GET /healthz → 200', async () => {
      const res = await fetch(`${t.url}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    });

    test('GET /readyz → 200 {status: ready}', async () => {
      const { status, body } = await readyz(t);
      assert.equal(status, 200);
      assert.equal(body.status, 'ready');
    });

    test('GET /metrics exposes the process gauge, heartbeat and expiry counters and the request histogram', async () => {
      const alice = await signup(t, 'ops');
      const gridId = (await alice.client.createGrid({ name: 'ops' })).grid.id;
      const a = (await alice.client.registerProcess(gridId, { name: 'a' })).process;
      await alice.client.registerProcess(gridId, { name: 'b' });
      await alice.client.unregisterProcess(gridId, a.id, { reason: 'exited', exitCode: 0 });

      const text = await metrics(t);
      assert.equal(sample(text, 'grid_processes', { status: 'online' }), 1);
      assert.equal(sample(text, 'grid_processes', { status: 'stopped' }), 1);
      assert.equal(sample(text, 'grid_processes', { status: 'offline' }), 0);
      assert.match(text, /^# TYPE grid_processes gauge$/m);
      assert.match(text, /^# TYPE grid_heartbeats_received_total counter$/m);
      assert.equal(sample(text, 'grid_heartbeats_received_total'), 0);
      assert.match(text, /^# TYPE grid_process_expiries_total counter$/m);
      assert.equal(sample(text, 'grid_process_expiries_total'), 0);
      assert.match(text, /^# TYPE grid_http_request_duration_seconds histogram$/m);
      const registered = sample(text, 'grid_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/grids/:gridId/processes',
        status: '201',
      });
      assert.equal(registered, 2, 'two registrations observed, labelled by route pattern');
    });

    test('the heartbeat counter increases with each accepted heartbeat', async () => {
      const alice = await signup(t, 'beats');
      const gridId = (await alice.client.createGrid({ name: 'beats' })).grid.id;
      const { process: p } = await alice.client.registerProcess(gridId, { name: 'beating' });
      const before = sample(await metrics(t), 'grid_heartbeats_received_total');
      assert.ok(before !== undefined);
      for (let i = 0; i < 5; i++) await alice.client.heartbeat(gridId, p.id, { health: { alive: true, cpuPercent: i } });
      const afterBeats = sample(await metrics(t), 'grid_heartbeats_received_total');
      assert.equal(afterBeats, before + 5);
      // A refused heartbeat is not counted.
      await alice.client.unregisterProcess(gridId, p.id);
      await assert.rejects(alice.client.heartbeat(gridId, p.id), (e: unknown) => e instanceof ApiError && e.code === 'process_stopped');
      assert.equal(sample(await metrics(t), 'grid_heartbeats_received_total'), before + 5);
    });

    const openapi = async () => {
      const res = await fetch(`${t.url}/api/v1/openapi.json`);
      assert.equal(res.status, 200);
      return (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    };

    test('GET /api/v1/openapi.json is OpenAPI 3: the process routes, served paths only, no grid-level hosting', async () => {
      const doc = await openapi();
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.ok(doc.paths['/api/v1/grids/{gridId}/processes/{processId}/heartbeat']?.post, 'the process heartbeat');
      assert.ok(doc.paths['/api/v1/grids/{gridId}/processes']?.post);
      assert.ok(doc.paths['/api/v1/grids/{gridId}/processes/{processId}']?.delete);
      const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
          .map((method) => [method, path] as [string, string]),
      );
      for (const [method, path] of listed) {
        assert.ok(path.startsWith('/api/v1/'), `${path} is under /api/v1`);
        assert.ok(t.coordinator.app.hasRoute({ method: method.toUpperCase() as 'GET', url: toFastifyPath(path) }), `${method} ${path} is served`);
      }
      for (const path of Object.keys(doc.paths)) {
        assert.doesNotMatch(path, /claim-host|release-host/);
        assert.notEqual(path, '/api/v1/grids/{gridId}/heartbeat');
      }
      assert.ok(!doc.paths['/api/v1/openapi.json'], 'the document does not list itself');
    });

    test('GET /api/v1/openapi.json lists every /api/v1 route, the events WebSocket included', async () => {
      const doc = await openapi();
      // The expected list is itself checked against the running coordinator's routes.
      for (const [method, path] of API_ROUTES) {
        assert.ok(t.coordinator.app.hasRoute({ method: method.toUpperCase() as 'GET', url: toFastifyPath(path) }), `${method} ${path} is a route`);
      }
      const missing = API_ROUTES.filter(([method, path]) => !doc.paths[path]?.[method]).map((r) => r.join(' '));
      assert.deepEqual(missing, [], 'every /api/v1 route is in the document');
    });
  });

  describe('process expiry metric', () => {
    let t: TestCoordinator;
    before(async () => {
      t = await startTestCoordinator(engine);
    });
    after(() => t.close());

    test('grid_process_expiries_total counts a process marked offline for missed heartbeats', async () => {
      const alice = await signup(t, 'expiry');
      const gridId = (await alice.client.createGrid({ name: 'expiry' })).grid.id;
      // Read before the process exists: nothing can have expired yet (after registering, a slow request could be too late).
      assert.equal(sample(await metrics(t), 'grid_process_expiries_total'), 0);
      const { process: p } = await alice.client.registerProcess(gridId, { name: 'silent' });
      await eventually(
        async () => ((await alice.client.getProcess(gridId, p.id)).process.status === 'offline' ? true : undefined),
        15_000,
        'the process to go offline',
      );
      const text = await metrics(t);
      assert.equal(sample(text, 'grid_process_expiries_total'), 1);
      assert.equal(sample(text, 'grid_processes', { status: 'offline' }), 1);
      assert.equal(sample(text, 'grid_processes', { status: 'online' }), 0);
    });
  });

  describe('readiness without a database', () => {
    // A coordinator of its own: its database goes away.
    let t: TestCoordinator;
    let dbName = '';
    let outage: DatabaseOutage | undefined;

    before(async () => {
      t = await startTestCoordinator(engine);
      if (engine === 'postgres') {
        const [row] = await t.db.query<{ name: string }>('SELECT current_database() AS name');
        assert.ok(row && /^\w+$/.test(row.name));
        dbName = row.name;
      }
    });
    after(async () => {
      await outage?.end().catch(() => {});
      await t.close();
    });

    test('/readyz → 503 service_unavailable while the database is unreachable', async () => {
      assert.equal((await readyz(t)).status, 200);
      if (engine === 'postgres') {
        const cut = (outage = await databaseOutage(dbName));
        try {
          const { status, body } = await readyz(t);
          assert.equal(status, 503);
          assert.equal((body.error as { code: string }).code, 'service_unavailable');
          assert.ok((await fetch(`${t.url}/healthz`)).ok, 'liveness does not depend on the database');
        } finally {
          outage = undefined;
          await cut.end();
        }
        // Back again: ready.
        await eventually(async () => ((await readyz(t)).status === 200 ? true : undefined), 10_000, '/readyz to be 200 again');
        return;
      }
      await t.db.close();
      const { status, body } = await readyz(t);
      assert.equal(status, 503);
      assert.equal((body.error as { code: string }).code, 'service_unavailable');
      assert.ok((await fetch(`${t.url}/healthz`)).ok, 'liveness does not depend on the database');
    });

    test('/readyz tells an unauthenticated caller only that the database is unreachable; the driver’s words go to the log', async () => {
      // PostgreSQL: an outage of its own; PGlite: closed (the test above may have closed it already; closing is idempotent).
      const cut = engine === 'postgres' ? (outage = await databaseOutage(dbName)) : undefined;
      if (!cut) await t.db.close();
      try {
        const from = t.logs.length;
        const { status, body } = await readyz(t);
        assert.equal(status, 503);
        assert.deepEqual(body, { error: { code: 'service_unavailable', message: 'the database is not reachable' } });
        const warned = await eventually(async () => t.logs.slice(from).find((l) => l.event === 'readyz.database_unreachable'), 5_000, 'the warning');
        assert.equal(warned.level, 40, 'a warning');
        const detail = (warned.err as { message?: unknown } | undefined)?.message;
        assert.ok(typeof detail === 'string' && detail.length > 0, 'the log has the driver’s message');
        assert.ok(!JSON.stringify(body).includes(detail), 'the body does not carry the driver’s message');
        if (dbName) assert.ok(!JSON.stringify(body).includes(dbName), 'nor the database’s name');
      } finally {
        outage = undefined;
        await cut?.end();
      }
    });
  });
});
