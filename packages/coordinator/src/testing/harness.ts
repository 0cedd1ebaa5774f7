import { GridClient, type AuthResponse, type Role } from '@gridshare/protocol';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createCoordinator, type Coordinator } from '../app.js';
import { loadConfig, type CoordinatorConfig } from '../config.js';
import type { Database } from '../store/database.js';
import { createTestDatabase, type Engine, type TestDatabase } from './engines.js';

/** Short intervals so liveness tests take seconds, not minutes. */
export const TEST_ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  GRID_HEARTBEAT_INTERVAL_MS: '200',
  GRID_STALE_AFTER_MS: '800',
  GRID_SWEEP_INTERVAL_MS: '50',
  GRID_FLUSH_INTERVAL_MS: '50',
  GRID_WS_PING_INTERVAL_MS: '1000',
  GRID_AUTH_RATE_LIMIT: '100000',
  // API only, whether or not packages/web/dist is built; web tests point this at a build.
  GRID_WEB_ROOT: 'off',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
};

export interface TestCoordinator {
  url: string;
  config: CoordinatorConfig;
  coordinator: Coordinator;
  db: Database;
  testDb: TestDatabase;
  /** A client with no token. */
  anon: GridClient;
  /** Every log line this coordinator wrote (info and up), parsed. */
  logs: Array<Record<string, unknown>>;
  /** Stops this coordinator and starts another on the same database (and port). */
  restart(): Promise<TestCoordinator>;
  /** Stops the coordinator and destroys its database. */
  close(): Promise<void>;
}

export async function startTestCoordinator(
  engine: Engine,
  env: Record<string, string> = {},
  testDb?: TestDatabase,
): Promise<TestCoordinator> {
  const tdb = testDb ?? (await createTestDatabase(engine));
  const config = loadConfig({ ...TEST_ENV, ...env });
  const db = await tdb.open();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const coordinator = await createCoordinator(config, db, { closeDatabase: false, logger });
  const url = (await coordinator.listen()).replace('localhost', '127.0.0.1');
  const port = new URL(url).port;
  let closed = false;
  const stop = async () => {
    if (closed) return;
    closed = true;
    await coordinator.close();
  };
  return {
    url,
    config,
    coordinator,
    db,
    testDb: tdb,
    anon: new GridClient({ baseUrl: url }),
    logs,
    async restart() {
      await stop();
      // PGlite in memory: the same instance lives on; PostgreSQL: a new pool.
      if (tdb.engine === 'postgres') await db.close();
      return startTestCoordinator(engine, { ...env, PORT: port }, tdb);
    },
    async close() {
      await stop();
      if (tdb.engine === 'postgres') await db.close();
      await tdb.destroy();
    },
  };
}

export interface TestUser extends AuthResponse {
  client: GridClient;
}

const unique = () => randomBytes(4).toString('hex');

export async function signup(t: { anon: GridClient }, name = 'user', deviceName = 'pc'): Promise<TestUser> {
  const res = await t.anon.signup({ username: `${name}_${unique()}`, password: 'correct horse battery', deviceName });
  return { ...res, client: t.anon.withToken(res.token) };
}

/** Another device (a second login) of the same user. */
export async function secondDevice(t: { anon: GridClient }, u: TestUser, deviceName = 'laptop'): Promise<TestUser> {
  const res = await t.anon.login({ username: u.user.username, password: 'correct horse battery', deviceName });
  return { ...res, client: t.anon.withToken(res.token) };
}

/** Brings `who` into the owner's grid through a real invite, with the given role. */
export async function addMember(owner: TestUser, gridId: string, who: TestUser, role: Role = 'member'): Promise<void> {
  const { invite } = await owner.client.createInvite(gridId, { maxUses: 1 });
  await who.client.join(invite.code);
  if (role !== 'member') await owner.client.updateMember(gridId, who.user.id, { role });
}

/**
 * Resolves once every heartbeat this coordinator has accepted so far is written. One flush is not enough: a call joins
 * a flush already under way, which may have taken its batch before the last heartbeat came in; the next one has it.
 */
export async function heartbeatsWritten(t: { coordinator: Coordinator }): Promise<void> {
  await t.coordinator.services.liveness.flush();
  await t.coordinator.services.liveness.flush();
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. Not a timing assertion. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The common fixture: alice (owner, device pc1) and bob (member, device pc2) in one grid. */
export async function twoInAGrid(t: { anon: GridClient }, gridName = 'friends'): Promise<{ alice: TestUser; bob: TestUser; gridId: string }> {
  const alice = await signup(t, 'alice', 'pc1');
  const bob = await signup(t, 'bob', 'pc2');
  const gridId = (await alice.client.createGrid({ name: gridName })).grid.id;
  await addMember(alice, gridId, bob);
  return { alice, bob, gridId };
}
