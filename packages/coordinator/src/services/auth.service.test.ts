import { ApiError, type AuthResponse, CLOSE_CODES, type MeResponse } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { AppError } from '../errors.js';
import { EventBus } from '../realtime/event-bus.js';
import type { Database } from '../store/database.js';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents } from '../testing/events-socket.js';
import { eventually, secondDevice, signup, startTestCoordinator, type TestCoordinator } from '../testing/harness.js';
import { openLink } from '../testing/link-client.js';
import { AuthService } from './auth.service.js';

const PASSWORD = 'correct horse battery';
const unique = () => randomBytes(4).toString('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const rejects = (p: Promise<unknown>, status: number, code: string) =>
  assert.rejects(p, (e: unknown) => {
    if (!(e instanceof ApiError)) throw e;
    assert.equal(`${e.status} ${e.code}`, `${status} ${code}`);
    return true;
  });

/** A raw POST, for the status code and headers the typed client does not show. */
async function post(t: TestCoordinator, path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${t.url}/api/v1${path}`, { method: 'POST', headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Every text value of every row of a table, as one string per row. */
async function rowsAsText(t: TestCoordinator, table: string): Promise<string[]> {
  const rows = await t.db.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
  return rows.map((r) => JSON.stringify(Object.values(r)));
}

describeEachEngine('auth service', (engine) => {
  describe('accounts, devices and tokens', () => {
    let t: TestCoordinator;

    before(async () => {
      t = await startTestCoordinator(engine);
    });
    after(() => t.close());

    test('signup → 201 {user, device, token}', async () => {
      const username = `Signer_${unique()}`;
      const res = await post(t, '/auth/signup', { username, password: PASSWORD, deviceName: '  gaming pc ' });
      assert.equal(res.status, 201);
      const body = res.json as AuthResponse;
      assert.deepEqual(Object.keys(body).sort(), ['device', 'token', 'user']);
      assert.equal(body.user.username, username);
      assert.match(body.user.id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(body.user.createdAt)));
      assert.equal(body.device.name, 'gaming pc');
      assert.match(body.device.id, /^[0-9a-f-]{36}$/);
      assert.ok(!('passwordHash' in body.user), 'no password hash in the answer');
      // The token works at once.
      const me = await t.anon.withToken(body.token).me();
      assert.equal(me.user.id, body.user.id);
      assert.equal(me.device.id, body.device.id);
    });

    test('the token is 256 random bits (gst_ + 43 base64url chars), stored only as its SHA-256', async () => {
      const a = await signup(t, 'hashme');
      const b = await secondDevice(t, a);
      for (const token of [a.token, b.token]) {
        assert.match(token, /^gst_[A-Za-z0-9_-]{43}$/);
        assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32, '32 random bytes');
      }
      assert.notEqual(a.token, b.token);

      // The tokens table holds the hash of each token, never the token itself (nor its random part).
      const tokenRows = await t.db.query<{ hash: string; device_id: string }>('SELECT hash, device_id FROM tokens');
      for (const { token, device } of [a, b]) {
        const row = tokenRows.find((r) => r.device_id === device.id);
        assert.ok(row, 'a token row for the device');
        assert.equal(row.hash, sha256(token));
      }
      for (const table of ['tokens', 'devices', 'users']) {
        for (const text of await rowsAsText(t, table)) {
          for (const token of [a.token, b.token]) {
            assert.ok(!text.includes(token), `${table} holds a token in clear`);
            assert.ok(!text.includes(token.slice(4)), `${table} holds the random part of a token`);
          }
        }
      }

      // The password is stored as scrypt$…, never in clear.
      const [user] = await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [a.user.id]);
      assert.ok(user);
      assert.match(user.password_hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
      assert.ok(!user.password_hash.includes(PASSWORD));
      for (const text of await rowsAsText(t, 'users')) assert.ok(!text.includes(PASSWORD), 'a password in clear');
    });

    test('a duplicate username, in any case, is 409 username_taken', async () => {
      const name = `Dup_${unique()}`;
      await t.anon.signup({ username: name, password: PASSWORD, deviceName: 'pc' });
      await rejects(t.anon.signup({ username: name, password: 'another password', deviceName: 'pc' }), 409, 'username_taken');
      await rejects(t.anon.signup({ username: name.toUpperCase(), password: PASSWORD, deviceName: 'pc' }), 409, 'username_taken');
      await rejects(t.anon.signup({ username: name.toLowerCase(), password: PASSWORD, deviceName: 'pc' }), 409, 'username_taken');
      const [{ n } = { n: -1 }] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM users WHERE username_key = lower($1)',
        [name],
      );
      assert.equal(n, 1, 'one account');
    });

    test('racing signups for one name, in different cases: exactly one account, the rest 409 username_taken', async () => {
      const name = `Race_${unique()}`;
      const names = [name, name.toLowerCase(), name.toUpperCase(), name, name.toLowerCase()];
      const results = await Promise.allSettled(names.map((username) => t.anon.signup({ username, password: PASSWORD, deviceName: 'pc' })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof ApiError);
          assert.equal(`${r.reason.status} ${r.reason.code}`, '409 username_taken');
        }
      }
      const rows = await t.db.query('SELECT id FROM users WHERE username_key = lower($1)', [name]);
      assert.equal(rows.length, 1);
    });

    test('login → 200 with a new device and token each time', async () => {
      const u = await signup(t, 'login', 'desktop');
      const first = await post(t, '/auth/login', { username: u.user.username, password: PASSWORD, deviceName: 'laptop' });
      assert.equal(first.status, 200);
      const a = first.json as AuthResponse;
      // The username matches regardless of case.
      const b = await t.anon.login({ username: u.user.username.toUpperCase(), password: PASSWORD, deviceName: 'laptop' });
      assert.equal(a.user.id, u.user.id);
      assert.equal(b.user.id, u.user.id);
      assert.equal(a.device.name, 'laptop');
      const deviceIds = new Set([u.device.id, a.device.id, b.device.id]);
      assert.equal(deviceIds.size, 3, 'a new device per login');
      assert.equal(new Set([u.token, a.token, b.token]).size, 3, 'a new token per login');
      const devices = await t.db.query<{ id: string }>('SELECT id FROM devices WHERE user_id = $1', [u.user.id]);
      assert.deepEqual(new Set(devices.map((d) => d.id)), deviceIds);
      // Every token stays valid and names its own device.
      for (const r of [u, a, b]) assert.equal((await t.anon.withToken(r.token).me()).device.id, r.device.id);
    });

    test('wrong password and unknown user are both 401 invalid_credentials', async () => {
      const u = await signup(t, 'wrongpw');
      await rejects(t.anon.login({ username: u.user.username, password: 'not the password', deviceName: 'pc' }), 401, 'invalid_credentials');
      await rejects(t.anon.login({ username: `nobody_${unique()}`, password: PASSWORD, deviceName: 'pc' }), 401, 'invalid_credentials');
      const devices = await t.db.query('SELECT id FROM devices WHERE user_id = $1', [u.user.id]);
      assert.equal(devices.length, 1, 'a failed login adds no device');
    });

    test('GET /me → {user, device}; without or with a bad token → 401 unauthorized', async () => {
      const u = await signup(t, 'me', 'workstation');
      const res = await fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${u.token}` } });
      assert.equal(res.status, 200);
      const me = (await res.json()) as MeResponse;
      assert.deepEqual(Object.keys(me).sort(), ['device', 'user']);
      assert.deepEqual(me.user, u.user);
      assert.equal(me.device.id, u.device.id);
      assert.equal(me.device.name, 'workstation');
      await rejects(t.anon.me(), 401, 'unauthorized');
      await rejects(t.anon.withToken(`gst_${randomBytes(32).toString('base64url')}`).me(), 401, 'unauthorized');
    });

    test('logout → 204; that token is refused at once, another device of the same user still works', async () => {
      const u = await signup(t, 'logout', 'pc');
      const other = await secondDevice(t, u, 'laptop');
      await u.client.me(); // the token is now in the coordinator's cache
      const res = await post(t, '/auth/logout', undefined, u.token);
      assert.equal(res.status, 204);
      await rejects(u.client.me(), 401, 'unauthorized');
      await rejects(u.client.listGrids(), 401, 'unauthorized');
      await rejects(u.client.logout(), 401, 'unauthorized');
      const me = await other.client.me();
      assert.equal(me.device.id, other.device.id);
      assert.equal(me.user.id, u.user.id);
      // Logging in again gives a working token.
      const again = await secondDevice(t, u, 'pc again');
      assert.equal((await again.client.me()).user.id, u.user.id);
    });

    test('a token lookup racing the logout does not keep the token alive: after logout it is refused', async () => {
      // A lookup that read the token before the revocation but finishes after the logout
      // must not leave the token usable. Timing is made certain by holding the result of
      // one lookup against the real database until the logout has returned.
      const u = await signup(t, 'race');
      let hold: Promise<void> | undefined;
      let release = () => {};
      let held = () => {};
      const lookupHeld = new Promise<void>((r) => (held = r));
      const db: Database = {
        engine: t.db.engine,
        async query<R>(sql: string, params?: readonly unknown[]) {
          const rows = await t.db.query<R>(sql, params);
          if (hold && /FROM tokens t JOIN devices/.test(sql)) {
            const h = hold;
            hold = undefined;
            held();
            await h;
          }
          return rows;
        },
        exec: (sql) => t.db.exec(sql),
        transaction: (fn) => t.db.transaction(fn),
        close: async () => {},
      };
      const auth = new AuthService(db, new EventBus(), pino({ level: 'silent' }));

      hold = new Promise<void>((r) => (release = r));
      const racing = auth.authenticate(u.token); // reads the live token, then waits
      await lookupHeld;
      const ctx = await auth.authenticate(u.token);
      await auth.logout(ctx);
      await assert.rejects(auth.authenticate(u.token), (e: unknown) => e instanceof AppError && e.code === 'unauthorized');
      release();
      // It began before the logout: it may succeed, or be refused.
      await racing.then(
        () => {},
        (e: unknown) => assert.ok(e instanceof AppError && e.code === 'unauthorized', String(e)),
      );
      await assert.rejects(
        auth.authenticate(u.token),
        (e: unknown) => e instanceof AppError && e.code === 'unauthorized',
        'the token works again after a lookup that raced its logout',
      );
      // And over HTTP the token is refused too (the coordinator's own service, same database).
      await rejects(u.client.me(), 401, 'unauthorized');
    });

    test('logout closes that token’s events sockets at once (4401), not those of another token', async () => {
      const u = await signup(t, 'wslogout', 'pc');
      const other = await secondDevice(t, u, 'laptop');
      const gridId = (await u.client.createGrid({ name: 'ws' })).grid.id;
      const second = (await u.client.createGrid({ name: 'ws two' })).grid.id;
      const mine = await openEvents(u.client.eventsUrl(gridId), u.token);
      const mineElsewhere = await openEvents(u.client.eventsUrl(second), u.token, 'subprotocol');
      const theirs = await openEvents(other.client.eventsUrl(gridId), other.token);
      try {
        for (const s of [mine, mineElsewhere, theirs]) await s.next((e) => e.type === 'snapshot');
        await u.client.logout();
        assert.equal((await mine.closed).code, CLOSE_CODES.unauthorized);
        assert.equal((await mineElsewhere.closed).code, CLOSE_CODES.unauthorized);
        // The other token's socket is still open and still receives events.
        const from = theirs.events.length;
        const { process: p } = await other.client.registerProcess(gridId, { name: 'after logout' });
        const e = await theirs.next((x) => x.type === 'process' && x.process.id === p.id, 10_000, from);
        assert.equal(e.type, 'process');
        assert.equal(theirs.ws.readyState, theirs.ws.OPEN);
        // The revoked token cannot open a new socket.
        await assert.rejects(openEvents(u.client.eventsUrl(gridId), u.token), (err: unknown) => (err as { status?: number }).status === 401);
      } finally {
        mine.close();
        mineElsewhere.close();
        theirs.close();
      }
    });
  });

  describe('rate limit', () => {
    let t: TestCoordinator;

    before(async () => {
      t = await startTestCoordinator(engine, { GRID_AUTH_RATE_LIMIT: '3' });
    });
    after(() => t.close());

    const assertLimited = (res: Awaited<ReturnType<typeof post>>) => {
      assert.equal(res.status, 429);
      assert.equal((res.json as { error: { code: string } }).error.code, 'rate_limited');
      const retryAfter = res.headers.get('retry-after');
      assert.ok(retryAfter, 'a retry-after header');
      assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 60, `retry-after in seconds, got ${retryAfter}`);
    };

    test('signup: the 4th attempt in a minute is 429 rate_limited with retry-after', async () => {
      const name = `rl_${unique()}`;
      const body = (n: number) => ({ username: `${name}_${n}`, password: PASSWORD, deviceName: 'pc' });
      assert.equal((await post(t, '/auth/signup', body(1))).status, 201);
      assert.equal((await post(t, '/auth/signup', body(1))).status, 409, 'a failed attempt counts too');
      assert.equal((await post(t, '/auth/signup', body(2))).status, 201);
      assertLimited(await post(t, '/auth/signup', body(3)));
      const [{ n } = { n: -1 }] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE username_key LIKE $1`,
        [`${name}_%`],
      );
      assert.equal(n, 2, 'the limited signup created no account');
    });

    test('login: the 4th attempt in a minute is 429 rate_limited with retry-after, even with the right password', async () => {
      // The signup above used up the signup allowance; logins count separately.
      const [{ username } = { username: '' }] = await t.db.query<{ username: string }>('SELECT username FROM users LIMIT 1');
      assert.ok(username);
      assert.equal((await post(t, '/auth/login', { username, password: 'wrong password', deviceName: 'pc' })).status, 401);
      assert.equal((await post(t, '/auth/login', { username, password: PASSWORD, deviceName: 'pc' })).status, 200);
      assert.equal((await post(t, '/auth/login', { username, password: 'wrong password', deviceName: 'pc' })).status, 401);
      assertLimited(await post(t, '/auth/login', { username, password: PASSWORD, deviceName: 'pc' }));
      await rejects(t.anon.login({ username, password: PASSWORD, deviceName: 'pc' }), 429, 'rate_limited');
    });
  });
});

describeEachEngine('my devices', (engine) => {
  let t: TestCoordinator;
  before(async () => {
    // Nothing here is about expiry: a process registered (or a lease written) stays online however slow the next request.
    t = await startTestCoordinator(engine, { GRID_STALE_AFTER_MS: '60000' });
  });
  after(() => t.close());

  test('GET /devices: my logged-in devices, newest first, which is this one and which are online; not others’', async () => {
    const pc = await signup(t, 'dana', 'desktop');
    const laptop = await secondDevice(t, pc, 'laptop');
    const gone = await secondDevice(t, pc, 'old phone');
    await gone.client.logout();
    await signup(t, 'erik', 'erik-pc');
    const link = await openLink(t.url, laptop.token);
    try {
      const { devices } = await eventually(async () => {
        const r = await pc.client.listDevices();
        return r.devices.find((d) => d.id === laptop.device.id)?.online ? r : undefined;
      });
      assert.deepEqual(
        devices.map((d) => [d.name, d.current, d.online]),
        [
          ['laptop', false, true],
          ['desktop', true, false],
        ],
      );
    } finally {
      link.close();
    }
  });

  test('a device whose process is online counts as online, as on the members page; it goes offline with the process', async () => {
    const pc = await signup(t, 'ivy', 'desktop');
    const server = await secondDevice(t, pc, 'server');
    const grid = (await pc.client.createGrid({ name: 'hosting' })).grid.id;
    // Heartbeats through the API alone: no agent link, no events socket.
    const { process: p } = await server.client.registerProcess(grid, { name: 'web' });
    const online = async () => (await pc.client.listDevices()).devices.find((d) => d.id === server.device.id)?.online;
    assert.equal(await online(), true);
    await server.client.unregisterProcess(grid, p.id, { reason: 'stopped' });
    assert.equal(await online(), false);
  });

  test('DELETE /devices/:id logs that device out everywhere: its token is refused at once, its link and sockets close (4401)', async () => {
    const pc = await signup(t, 'fay', 'desktop');
    const lost = await secondDevice(t, pc, 'lost laptop');
    const grid = (await pc.client.createGrid({ name: 'home' })).grid.id;
    const sock = await openEvents(lost.client.eventsUrl(grid), lost.token);
    await sock.next((e) => e.type === 'snapshot');
    const link = await openLink(t.url, lost.token);
    await lost.client.me(); // in the token cache now

    await pc.client.revokeDevice(lost.device.id);
    assert.equal((await sock.closed).code, CLOSE_CODES.unauthorized);
    assert.equal((await link.closed).code, CLOSE_CODES.unauthorized);
    await rejects(lost.client.me(), 401, 'unauthorized');
    assert.deepEqual((await pc.client.listDevices()).devices.map((d) => d.name), ['desktop']);
    await pc.client.me(); // the device that asked is untouched
  });

  test('a device that is not mine (or not logged in, or no UUID) is not found, and nothing changes', async () => {
    const me = await signup(t, 'gus', 'desktop');
    const other = await signup(t, 'hal', 'hal-pc');
    await rejects(me.client.revokeDevice(other.device.id), 404, 'device_not_found');
    await other.client.me();
    const old = await secondDevice(t, me, 'old');
    await old.client.logout();
    await rejects(me.client.revokeDevice(old.device.id), 404, 'device_not_found');
    await rejects(me.client.revokeDevice('not-a-uuid'), 400, 'validation_failed');
    await rejects(t.anon.listDevices(), 401, 'unauthorized');
  });
});
