/**
 * Bad input gets a clear error and loses nothing.
 *
 * Every body, path parameter, query parameter and header is checked against the
 * protocol schemas. A request that is refused is answered with exactly
 * {"error":{"code","message"}} — a stable code whose HTTP status is the one in
 * ERROR_STATUS, a message a person can read, never a stack trace, never a 5xx —
 * and it changes nothing. The last part throws arbitrary JSON, text, path
 * segments, query strings and headers at every endpoint (fast-check) and checks
 * that the coordinator keeps those promises and is still healthy afterwards.
 */
import {
  AuthResponse,
  ERROR_CODES,
  ERROR_STATUS,
  type ErrorCode,
  GridDetailResponse,
  GridListResponse,
  GridResponse,
  HeartbeatResponse,
  InviteListResponse,
  InviteResponse,
  MeResponse,
  MemberResponse,
  PROTOCOL_VERSION,
  ProcessListResponse,
  ProcessResponse,
} from '@gridshare/protocol';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import {
  addMember,
  eventually,
  heartbeatsWritten,
  secondDevice,
  signup,
  startTestCoordinator,
  type TestCoordinator,
  type TestUser,
} from '../testing/harness.js';

const API = '/api/v1';
/** Small, so "too large" is cheap to send; every legitimate body in this file is far below it. */
const BODY_LIMIT = 2048;
const PASSWORD = 'correct horse battery';

// Response bodies are checked against the protocol schemas with TypeBox, which needs its formats spelled out.
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID_RE.test(v));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)));

const hex = () => randomBytes(4).toString('hex');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Talking to the coordinator over real HTTP
// ---------------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Answer {
  status: number;
  text: string;
  json: unknown;
  contentType: string;
  /** What was asked, for assertion messages. */
  what: string;
}

interface Req {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Sent as JSON text. */
  json?: unknown;
  /** Sent as is. */
  raw?: string;
  /** Content-Type of the body (default application/json); null sends none at all. */
  type?: string | null;
  headers?: Record<string, string>;
}

async function call(base: string, method: Method, path: string, r: Req = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
  Object.assign(headers, r.headers);
  const text = r.json !== undefined ? JSON.stringify(r.json) : r.raw;
  let body: string | Uint8Array | undefined;
  if (text !== undefined) {
    if (r.type === null) {
      // Bytes, so that fetch does not add a text/plain content type of its own.
      body = new TextEncoder().encode(text);
    } else {
      body = text;
      headers['content-type'] = r.type ?? headers['content-type'] ?? 'application/json';
    }
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: body ?? null });
  const shown = text === undefined ? '' : ` ${text.length > 120 ? `${text.slice(0, 120)}…(${text.length} chars)` : text}`;
  return read(res, `${method} ${path}${shown}`);
}

async function read(res: Response, what: string): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') ?? '', what };
}

const STACK_TRACE = /\n\s*at\s|\bat \S+ \(|node_modules|[\w/]\.[cm]?[jt]s:\d+|FST_ERR/;

/** Why `a` is not a well-formed error answer, or undefined when it is one. */
function errorShapeProblem(a: Answer): string | undefined {
  if (a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 300)}`;
  if (a.status < 400) return `answered ${a.status}, not an error: ${a.text.slice(0, 300)}`;
  if (!/^application\/json\b/i.test(a.contentType)) return `error answer with content-type '${a.contentType}': '${a.text.slice(0, 200)}'`;
  const body = a.json;
  if (!isObject(body)) return `error body is not a JSON object: '${a.text.slice(0, 300)}'`;
  if (Object.keys(body).join() !== 'error') return `error body must be exactly {"error":{…}}, got keys ${JSON.stringify(Object.keys(body))}: ${a.text.slice(0, 300)}`;
  const e = body.error;
  if (!isObject(e)) return `"error" is not an object: ${a.text.slice(0, 300)}`;
  if (Object.keys(e).sort().join() !== 'code,message') return `"error" must hold exactly code and message, got ${JSON.stringify(Object.keys(e))}`;
  const { code, message } = e;
  if (typeof code !== 'string' || !(ERROR_CODES as string[]).includes(code)) return `unknown error code ${JSON.stringify(code)}`;
  if (ERROR_STATUS[code as ErrorCode] !== a.status) return `code ${code} goes with HTTP ${ERROR_STATUS[code as ErrorCode]}, answered ${a.status}`;
  if (typeof message !== 'string' || message.trim() === '') return `empty message: ${a.text}`;
  if (STACK_TRACE.test(message) || a.text.includes('"stack"')) return `internals leaked in the message: ${message.slice(0, 300)}`;
  return undefined;
}

/** Why `a` is not the error expected, or undefined. */
function mismatch(a: Answer, status: number, code: ErrorCode, mention?: RegExp): string | undefined {
  const shape = errorShapeProblem(a);
  if (shape) return `${a.what} → ${shape}`;
  const e = (a.json as { error: { code: string; message: string } }).error;
  if (a.status !== status || e.code !== code) return `${a.what} → ${a.status} ${e.code} (${e.message}), expected ${status} ${code}`;
  if (mention && !mention.test(e.message)) return `${a.what} → message '${e.message}' does not name ${mention}`;
  return undefined;
}

function expectError(a: Answer, status: number, code: ErrorCode, mention?: RegExp): void {
  const problem = mismatch(a, status, code, mention);
  assert.equal(problem, undefined, problem);
}

/** Success answers by status: a schema for JSON bodies, null for an empty 204. */
type OkMap = Partial<Record<number, TSchema | null>>;

/** Why `a` is neither one of the success answers nor a well-formed error, or undefined. */
function answerProblem(a: Answer, ok: OkMap): string | undefined {
  if (a.status >= 500) return `${a.what} → HTTP ${a.status}: ${a.text.slice(0, 300)}`;
  const schema = ok[a.status];
  if (schema === undefined) {
    const p = errorShapeProblem(a);
    return p && `${a.what} → ${p}`;
  }
  if (schema === null) return a.text === '' ? undefined : `${a.what} → ${a.status} with a body: ${a.text.slice(0, 200)}`;
  if (a.json === undefined) return `${a.what} → ${a.status} without JSON: '${a.text.slice(0, 200)}'`;
  if (!Value.Check(schema, a.json)) {
    const first = Value.Errors(schema, a.json).First();
    return `${a.what} → ${a.status} does not match its schema at ${first?.path}: ${first?.message}: ${a.text.slice(0, 300)}`;
  }
  return undefined;
}

interface Case {
  what?: string;
  method: Method;
  path: string;
  req?: Req;
  status: number;
  code: ErrorCode;
  mention?: RegExp;
}

/** Sends every case and returns the ones answered otherwise than expected. */
async function runCases(base: string, cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of cases) {
    const a = await call(base, c.method, c.path, c.req);
    const p = mismatch(a, c.status, c.code, c.mention);
    if (p) problems.push(c.what ? `${c.what}: ${p}` : p);
  }
  return problems;
}

const assertNoProblems = (problems: string[]) => assert.deepEqual(problems, [], `\n  ${problems.join('\n  ')}`);

/** Strings valid JSON can carry but PostgreSQL text and jsonb cannot hold. */
const UNSTORABLE = [
  { label: 'a NUL character', value: 'a\u0000b' },
  { label: 'a lone high surrogate', value: 'a\ud800b' },
  { label: 'a lone low surrogate', value: '\udc00z' },
];

/** Names that would look blank, or look like another name, in a list: refused wherever a person names something. */
const INVISIBLE_OR_SPOOFING = [
  { label: 'only a zero-width space', value: '\u200b' },
  { label: 'only invisible characters', value: '\u2060\ufeff \u200b' },
  { label: 'a right-to-left override', value: '\u202eevil' },
  { label: 'a bidi isolate', value: 'pc\u2066x' },
  { label: 'a line break', value: 'two\nlines' },
  { label: 'a C1 control character', value: 'bell\u0085' },
  { label: 'a noncharacter', value: 'x\uffff' },
];

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

describeEachEngine('validation: bad input gets a clear error and loses nothing', (engine) => {
  let t: TestCoordinator;
  let alice: TestUser;
  let bob: TestUser;
  let gridId: string;
  let processId: string;
  let inviteCode: string;
  const HEALTH = { alive: true, pid: 42 };

  const req = (method: Method, path: string, r: Req = {}) => call(t.url, method, path, { token: alice.token, ...r });
  const G = () => `${API}/grids/${gridId}`;

  /** Everything a rejected request could have touched (nothing here moves on its own: no status, no clocks). */
  async function snapshot() {
    const [grids, detail, invites, processes] = await Promise.all([
      alice.client.listGrids(),
      alice.client.getGrid(gridId),
      alice.client.listInvites(gridId),
      alice.client.listProcesses(gridId),
    ]);
    return {
      grids: grids.grids.map((g) => [g.id, g.name, g.role, g.memberCount]).sort(),
      members: detail.members.map((m) => [m.userId, m.role]).sort(),
      invites: invites.invites.map((i) => [i.code, i.uses, i.maxUses, i.expiresAt, i.revoked]).sort(),
      processes: processes.processes.map((p) => ({
        id: p.id,
        name: p.name,
        kind: p.kind,
        command: p.command,
        ports: p.ports,
        metadata: p.metadata,
        health: p.health,
        stopped: p.status === 'stopped',
        stopReason: p.stopReason,
        exitCode: p.exitCode,
      })),
    };
  }

  before(async () => {
    t = await startTestCoordinator(engine, { GRID_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    alice = await signup(t, 'alice', 'pc1');
    bob = await signup(t, 'bob', 'pc2');
    gridId = (await alice.client.createGrid({ name: 'validation' })).grid.id;
    await addMember(alice, gridId, bob);
    const { process: p } = await alice.client.registerProcess(gridId, { name: 'web', kind: 'http', ports: [{ port: 8080, protocol: 'tcp' }] });
    processId = p.id;
    await alice.client.heartbeat(gridId, processId, { health: HEALTH });
    await heartbeatsWritten(t);
    inviteCode = (await alice.client.createInvite(gridId, { maxUses: 5 })).invite.code;
  });
  after(() => t?.close());

  test('the coordinator runs with the body limit it was given', () => {
    assert.equal(t.config.bodyLimitBytes, BODY_LIMIT);
  });

  test('signup and login: username, password and deviceName are checked; a refused signup creates no account', async () => {
    const username = `val_${hex()}`;
    const good = { username, password: PASSWORD, deviceName: 'pc' };
    // Sign-up rules: refused as such at sign-up; at login only a wrong pair (the rules stay unsaid there).
    const signupRules: Array<[string, unknown, RegExp | undefined]> = [
      ['username too short', { ...good, username: 'ab' }, /username/],
      ['username too long', { ...good, username: 'x'.repeat(33) }, /username/],
      ['username with a space', { ...good, username: 'a b' }, /username/],
      ['username with a bad character', { ...good, username: 'bad!name' }, /username/],
      ['username starting with a dot', { ...good, username: '.dotted' }, /username/],
      ['password too short', { ...good, password: 'short' }, /password/],
    ];
    const bad: Array<[string, unknown, RegExp | undefined]> = [
      ['username empty', { ...good, username: '' }, /username/],
      ['username as a number', { ...good, username: 123456 }, /username/],
      ['username null', { ...good, username: null }, /username/],
      ['password empty', { ...good, password: '' }, /password/],
      ['password as a number', { ...good, password: 12345678 }, /password/],
      ['deviceName missing', { username, password: PASSWORD }, /deviceName/],
      ['deviceName empty', { ...good, deviceName: '' }, /deviceName/],
      ['deviceName blank', { ...good, deviceName: '   ' }, /deviceName/],
      ...INVISIBLE_OR_SPOOFING.map(({ label, value }): [string, unknown, RegExp] => [`deviceName ${label}`, { ...good, deviceName: value }, /deviceName/]),
      ['deviceName too long', { ...good, deviceName: 'x'.repeat(65) }, /deviceName/],
      ['deviceName as an array', { ...good, deviceName: ['pc'] }, /deviceName/],
      ['an extra field', { ...good, admin: true }, /propert|field|admin/i],
      ['an array', [good], undefined],
      ['a string', 'username', undefined],
    ];
    const cases: Case[] = [];
    for (const [what, body, mention] of signupRules) {
      cases.push({ what: `signup: ${what}`, method: 'POST', path: `${API}/auth/signup`, req: { json: body }, status: 400, code: 'validation_failed', mention });
      cases.push({ what: `login: ${what}`, method: 'POST', path: `${API}/auth/login`, req: { json: body }, status: 401, code: 'invalid_credentials' });
    }
    for (const path of ['/auth/signup', '/auth/login']) {
      for (const [what, body, mention] of bad) {
        cases.push({ what: `${path}: ${what}`, method: 'POST', path: `${API}${path}`, req: { json: body }, status: 400, code: 'validation_failed', mention });
      }
      for (const raw of ['null', '42', 'true']) {
        cases.push({ what: `${path}: body ${raw}`, method: 'POST', path: `${API}${path}`, req: { raw }, status: 400, code: 'validation_failed' });
      }
    }
    assertNoProblems(await runCases(t.url, cases));
    // None of those created the account: logging in fails, and the name is still free.
    expectError(await call(t.url, 'POST', `${API}/auth/login`, { json: good }), 401, 'invalid_credentials');
    const created = await call(t.url, 'POST', `${API}/auth/signup`, { json: good });
    assert.equal(created.status, 201, created.text);
  });

  test('grid create: empty, blank, too long or mistyped names are refused and no grid appears', async () => {
    const before_ = await snapshot();
    const cases: Case[] = [
      ['empty name', { name: '' }],
      ['blank name', { name: '   ' }],
      ['whitespace name', { name: '\t\n ' }],
      ...INVISIBLE_OR_SPOOFING.map(({ label, value }) => [label, { name: value }]),
      ['65 characters', { name: 'x'.repeat(65) }],
      ['a number', { name: 42 }],
      ['null', { name: null }],
      ['an object', { name: { first: 'x' } }],
      ['missing', {}],
    ].map(([what, json]) => ({ what: what as string, method: 'POST', path: `${API}/grids`, req: { json }, status: 400, code: 'validation_failed', mention: /name/ }) as Case);
    cases.push({ what: 'extra field', method: 'POST', path: `${API}/grids`, req: { json: { name: 'ok', color: 'red' } }, status: 400, code: 'validation_failed' });
    assertNoProblems(await runCases(t.url, cases.map((c) => ({ ...c, req: { token: alice.token, ...c.req } }))));
    assert.deepEqual(await snapshot(), before_);
    // The limits are where the schema says: 64 characters is fine.
    const ok = await req('POST', `${API}/grids`, { json: { name: 'x'.repeat(64) } });
    assert.equal(ok.status, 201, ok.text);
  });

  test('invites: expiresInSeconds and maxUses out of range are refused and no invite appears', async () => {
    const before_ = await snapshot();
    const bad: Array<[string, unknown, RegExp | undefined]> = [
      ['expiresInSeconds 59', { expiresInSeconds: 59 }, /expiresInSeconds/],
      ['expiresInSeconds 0', { expiresInSeconds: 0 }, /expiresInSeconds/],
      ['expiresInSeconds negative', { expiresInSeconds: -3600 }, /expiresInSeconds/],
      ['expiresInSeconds over 30 days', { expiresInSeconds: 30 * 24 * 3600 + 1 }, /expiresInSeconds/],
      ['expiresInSeconds fractional', { expiresInSeconds: 90.5 }, /expiresInSeconds/],
      ['expiresInSeconds as a string', { expiresInSeconds: '3600' }, /expiresInSeconds/],
      ['maxUses 0', { maxUses: 0 }, /maxUses/],
      ['maxUses negative', { maxUses: -1 }, /maxUses/],
      ['maxUses over 1000', { maxUses: 1001 }, /maxUses/],
      ['maxUses fractional', { maxUses: 1.5 }, /maxUses/],
      ['maxUses as a string', { maxUses: '5' }, /maxUses/],
      ['maxUses null', { maxUses: null }, /maxUses/],
      ['an extra field', { maxUses: 5, role: 'admin' }, undefined],
    ];
    const cases = bad.map(([what, json, mention]): Case => ({ what, method: 'POST', path: `${G()}/invites`, req: { token: alice.token, json }, status: 400, code: 'validation_failed', mention }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test('join: a badly formed invite code is a 400 and joins nothing', async () => {
    const carol = await signup(t, 'carol');
    const bad: Array<[string, unknown]> = [
      ['too short', { code: 'nope' }],
      ['nine characters', { code: 'ABCDE-FGHJ' }],
      ['too long', { code: 'ABCDE-FGHJKL' }],
      ['an underscore instead of the dash', { code: 'ABCDE_FGHJK' }],
      ['two dashes', { code: 'ABCDE--GHJK' }],
      ['digits 0 and 1', { code: 'ABC01-DEFGH' }],
      ['a number', { code: 1234567890 }],
      ['missing', {}],
      ['an extra field', { code: inviteCode, gridId }],
    ];
    const cases = bad.map(([what, json]): Case => ({
      what,
      method: 'POST',
      path: `${API}/grids/join`,
      req: { token: carol.token, json },
      status: 400,
      code: 'validation_failed',
      mention: what === 'an extra field' ? undefined : /code/,
    }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual((await carol.client.listGrids()).grids, []);
    const invites = (await alice.client.listInvites(gridId)).invites;
    assert.equal(invites.find((i) => i.code === inviteCode)?.uses, 0, 'the invite was not used');
    // A well-formed code that does not exist is a different answer: 404.
    expectError(await call(t.url, 'POST', `${API}/grids/join`, { token: carol.token, json: { code: 'ABCDE-FGHJK' } }), 404, 'invite_not_found');
  });

  test('revoking an invite: a badly formed code in the path is a 400 and revokes nothing', async () => {
    const before_ = await snapshot();
    const bad = ['nope', 'ABCDE-FGHJK-XY', 'ABCDE FGHJK', 'ABC01-DEFGH', 'ABCDE--GHJK', '😀😀😀😀😀-😀😀😀😀😀', `${inviteCode}Z`];
    const cases = bad.map((code): Case => ({
      what: `code '${code}'`,
      method: 'DELETE',
      path: `${G()}/invites/${encodeURIComponent(code)}`,
      req: { token: alice.token },
      status: 400,
      code: 'validation_failed',
      mention: /code/,
    }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    expectError(await req('DELETE', `${G()}/invites/ABCDE-FGHJK`), 404, 'invite_not_found');
  });

  test("member PATCH: a role that does not exist is refused and nobody's role changes", async () => {
    const before_ = await snapshot();
    const bad: Array<[string, unknown]> = [
      ['superuser', { role: 'superuser' }],
      ['OWNER in capitals', { role: 'OWNER' }],
      ['empty', { role: '' }],
      ['a number', { role: 2 }],
      ['null', { role: null }],
      ['missing', {}],
      ['an extra field', { role: 'admin', userId: alice.user.id }],
    ];
    const cases = bad.map(([what, json]): Case => ({
      what,
      method: 'PATCH',
      path: `${G()}/members/${bob.user.id}`,
      req: { token: alice.token, json },
      status: 400,
      code: 'validation_failed',
      mention: what === 'an extra field' ? undefined : /role/,
    }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test('register: bad ids, ports, protocols, kinds, metadata and names are refused, and the process list is unchanged', async () => {
    const before_ = await snapshot();
    const ok = { name: 'db', kind: 'postgres', ports: [{ port: 5432, protocol: 'tcp' }] };
    const bad: Array<[string, unknown, RegExp | undefined]> = [
      ['id not a uuid', { ...ok, id: 'not-a-uuid' }, /id/],
      ['id a number', { ...ok, id: 42 }, /id/],
      ['id a uuid without dashes', { ...ok, id: randomUUID().replace(/-/g, '') }, /id/],
      ['port 0', { ...ok, ports: [{ port: 0 }] }, /port/],
      ['port 70000', { ...ok, ports: [{ port: 70000 }] }, /port/],
      ["port '80'", { ...ok, ports: [{ port: '80' }] }, /port/],
      ['port 80.5', { ...ok, ports: [{ port: 80.5 }] }, /port/],
      ['port negative', { ...ok, ports: [{ port: -1 }] }, /port/],
      ['port missing', { ...ok, ports: [{ protocol: 'tcp' }] }, /port/],
      ["protocol 'sctp'", { ...ok, ports: [{ port: 80, protocol: 'sctp' }] }, /protocol/],
      ["protocol 'TCP'", { ...ok, ports: [{ port: 80, protocol: 'TCP' }] }, /protocol/],
      ['a port with an extra field', { ...ok, ports: [{ port: 80, host: '0.0.0.0' }] }, /ports/],
      ['17 ports', { ...ok, ports: Array.from({ length: 17 }, (_, i) => ({ port: 1000 + i })) }, /ports/],
      ['ports an object', { ...ok, ports: { port: 80 } }, /ports/],
      ["kind 'Bad Kind'", { ...ok, kind: 'Bad Kind' }, /kind/],
      ["kind 'Minecraft'", { ...ok, kind: 'Minecraft' }, /kind/],
      ['kind empty', { ...ok, kind: '' }, /kind/],
      ['kind too long', { ...ok, kind: 'k'.repeat(33) }, /kind/],
      ['metadata with a nested object', { ...ok, metadata: { world: { seed: 1 } } }, /metadata/],
      ['metadata with an array value', { ...ok, metadata: { tags: ['a'] } }, /metadata/],
      ['metadata an array', { ...ok, metadata: ['a'] }, /metadata/],
      ['metadata with 33 keys', { ...ok, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }, /metadata/],
      ['metadata value of 257 characters', { ...ok, metadata: { motd: 'm'.repeat(257) } }, /metadata/],
      ['metadata key of 65 characters', { ...ok, metadata: { ['k'.repeat(65)]: 1 } }, /metadata/],
      ['name missing', { kind: 'http' }, /name/],
      ['name blank', { ...ok, name: '   ' }, /name/],
      ...INVISIBLE_OR_SPOOFING.map(({ label, value }): [string, unknown, RegExp] => [`name ${label}`, { ...ok, name: value }, /name/]),
      ['name too long', { ...ok, name: 'n'.repeat(129) }, /name/],
      ['name a number', { ...ok, name: 7 }, /name/],
      ['command a number', { ...ok, command: 7 }, /command/],
      ['command null', { ...ok, command: null }, /command/],
      ['an extra field', { ...ok, status: 'online' }, undefined],
      ['hostDeviceId smuggled in', { ...ok, hostDeviceId: bob.device.id }, undefined],
    ];
    const cases = bad.map(([what, json, mention]): Case => ({ what, method: 'POST', path: `${G()}/processes`, req: { token: alice.token, json }, status: 400, code: 'validation_failed', mention }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test('heartbeat: unknown health fields and out-of-range numbers are refused; the stored health is untouched', async () => {
    const bad: Array<[string, unknown, RegExp | undefined]> = [
      ['health with an unknown field', { health: { alive: true, foo: 1 } }, /health/],
      ['negative cpuPercent', { health: { cpuPercent: -1 } }, /cpuPercent/],
      ['cpuPercent as a string', { health: { cpuPercent: '5' } }, /cpuPercent/],
      ['pid 0', { health: { pid: 0 } }, /pid/],
      ['pid fractional', { health: { pid: 1.5 } }, /pid/],
      ['negative uptime', { health: { uptimeSeconds: -1 } }, /uptimeSeconds/],
      ['negative rssBytes', { health: { rssBytes: -1 } }, /rssBytes/],
      ['alive as a string', { health: { alive: 'yes' } }, /alive/],
      ['a port of 70000', { health: { ports: [{ port: 70000, open: true }] } }, /port/],
      ['17 ports', { health: { ports: Array.from({ length: 17 }, (_, i) => ({ port: i + 1, open: true })) } }, /ports/],
      ['minecraft without reachable', { health: { minecraft: { version: '1.21' } } }, /reachable/],
      ['minecraft with an unknown field', { health: { minecraft: { reachable: true, hacked: 1 } } }, /minecraft/],
      ['negative playersOnline', { health: { minecraft: { reachable: true, playersOnline: -1 } } }, /playersOnline/],
      ['13 player samples', { health: { minecraft: { reachable: true, sample: Array.from({ length: 13 }, (_, i) => `p${i}`) } } }, /sample/],
      // What other members' terminals print (grid ps): no escape sequences, no hidden characters.
      ['a version with a terminal escape', { health: { minecraft: { reachable: true, version: '1.21\u001b]0;pwned\u0007' } } }, /version/],
      ['a player name with a text-direction override', { health: { minecraft: { reachable: true, sample: ['Ste\u202eve'] } } }, /sample/],
      ['a MOTD with a control character', { health: { minecraft: { reachable: true, motd: 'hi\u001b[2J' } } }, /motd/],
      ['an error with a line break', { health: { minecraft: { reachable: false, error: 'a\nb' } } }, /error/],
      ['health null', { health: null }, /health/],
      ['health an array', { health: [] }, /health/],
      ['an extra top-level field', { health: { alive: true }, status: 'online' }, undefined],
    ];
    const cases = bad.map(([what, json, mention]): Case => ({
      what,
      method: 'POST',
      path: `${G()}/processes/${processId}/heartbeat`,
      req: { token: alice.token, json },
      status: 400,
      code: 'validation_failed',
      mention,
    }));
    assertNoProblems(await runCases(t.url, cases));
    await heartbeatsWritten(t);
    const { process: p } = await alice.client.getProcess(gridId, processId);
    assert.deepEqual(p.health, HEALTH);
    assert.notEqual(p.status, 'stopped');
  });

  test('DELETE process: exitCode out of range and malformed reasons are refused; the process is not stopped', async () => {
    const bad: Array<[string, unknown, RegExp | undefined]> = [
      ['exitCode 1000', { exitCode: 1000 }, /exitCode/],
      ['exitCode -256', { exitCode: -256 }, /exitCode/],
      ['exitCode fractional', { exitCode: 1.5 }, /exitCode/],
      ["exitCode '0'", { exitCode: '0' }, /exitCode/],
      ["reason 'Has Spaces'", { reason: 'Has Spaces' }, /reason/],
      ["reason 'Crashed'", { reason: 'Crashed' }, /reason/],
      ['reason empty', { reason: '' }, /reason/],
      ['reason too long', { reason: 'r'.repeat(33) }, /reason/],
      ['reason a number', { reason: 3 }, /reason/],
      ['an extra field', { reason: 'exited', force: true }, undefined],
    ];
    const cases = bad.map(([what, json, mention]): Case => ({ what, method: 'DELETE', path: `${G()}/processes/${processId}`, req: { token: alice.token, json }, status: 400, code: 'validation_failed', mention }));
    assertNoProblems(await runCases(t.url, cases));
    const { process: p } = await alice.client.getProcess(gridId, processId);
    assert.notEqual(p.status, 'stopped');
    assert.equal(p.stoppedAt, null);
    assert.equal(p.stopReason, null);
  });

  test("list: ?status must be online, offline or stopped ('hosted' and 'orphaned' are not statuses)", async () => {
    const bad = ['status=hosted', 'status=orphaned', 'status=ONLINE', 'status=', 'status', 'status=online&status=offline', 'state=online', 'status=online&limit=5'];
    const cases = bad.map((q): Case => ({
      what: `?${q}`,
      method: 'GET',
      path: `${G()}/processes?${q}`,
      req: { token: alice.token },
      status: 400,
      code: 'validation_failed',
      mention: q.startsWith('status') && !q.includes('limit') ? /status/ : undefined,
    }));
    assertNoProblems(await runCases(t.url, cases));
    for (const status of ['online', 'offline', 'stopped']) {
      const a = await req('GET', `${G()}/processes?status=${status}`);
      assert.equal(answerProblem(a, { 200: ProcessListResponse }), undefined);
      assert.equal(a.status, 200);
    }
  });

  /** Every route with an id in its path, with a valid body where it takes one. */
  const idRoutes = (): Array<{ method: Method; path: string; json?: unknown }> => [
    { method: 'GET', path: '/grids/:gridId' },
    { method: 'GET', path: '/grids/:gridId/events' },
    { method: 'GET', path: '/grids/:gridId/invites' },
    { method: 'POST', path: '/grids/:gridId/invites', json: {} },
    { method: 'DELETE', path: '/grids/:gridId/invites/:code' },
    { method: 'PATCH', path: '/grids/:gridId/members/:userId', json: { role: 'member' } },
    { method: 'DELETE', path: '/grids/:gridId/members/:userId' },
    { method: 'POST', path: '/grids/:gridId/processes', json: { name: 'x' } },
    { method: 'GET', path: '/grids/:gridId/processes' },
    { method: 'GET', path: '/grids/:gridId/processes/:processId' },
    { method: 'POST', path: '/grids/:gridId/processes/:processId/heartbeat', json: {} },
    { method: 'DELETE', path: '/grids/:gridId/processes/:processId', json: {} },
  ];
  const realParams = () => ({ gridId, userId: bob.user.id, processId, code: inviteCode });
  const fillPath = (template: string, values: Record<string, string>) =>
    API + template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));

  test('bad UUIDs in every :gridId, :processId and :userId are a 400 naming the parameter, and change nothing', async () => {
    const before_ = await snapshot();
    const u = randomUUID();
    const badIds = ['nope', '123', u.slice(0, -1), `${u}0`, `${u.slice(0, -1)}g`, u.replace(/-/g, ''), `{${u}}`, ` ${u}`, `${u}\u0000`, u.replace(/-/g, '_')];
    const cases: Case[] = [];
    for (const r of idRoutes()) {
      for (const param of r.path.match(/:(\w+)/g)!.map((p) => p.slice(1))) {
        if (param === 'code') continue;
        for (const bad of badIds) {
          cases.push({
            what: `${param}='${bad}'`,
            method: r.method,
            path: fillPath(r.path, { ...realParams(), [param]: bad }),
            req: { token: alice.token, json: r.json },
            status: 400,
            code: 'validation_failed',
            mention: new RegExp(param),
          });
        }
      }
    }
    assert.ok(cases.length >= 150);
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test("UUIDs the format check lets through but PostgreSQL cannot read ('urn:uuid:…') are a 400, not a 500", async () => {
    const before_ = await snapshot();
    const cases: Case[] = [];
    for (const r of idRoutes()) {
      for (const param of r.path.match(/:(\w+)/g)!.map((p) => p.slice(1))) {
        if (param === 'code') continue;
        const real = realParams()[param as 'gridId' | 'userId' | 'processId'];
        cases.push({
          what: `${param} urn:uuid:`,
          method: r.method,
          path: fillPath(r.path, { ...realParams(), [param]: `urn:uuid:${real}` }),
          req: { token: alice.token, json: r.json },
          status: 400,
          code: 'validation_failed',
          mention: new RegExp(param),
        });
      }
    }
    cases.push({
      what: 'body id urn:uuid:',
      method: 'POST',
      path: `${G()}/processes`,
      req: { token: alice.token, json: { id: `urn:uuid:${randomUUID()}`, name: 'urn' } },
      status: 400,
      code: 'validation_failed',
      mention: /id/,
    });
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test('an upper-case spelling of your own user id is still you: the owner cannot demote themself, a member can leave', async () => {
    const problems: string[] = [];
    // The owner changing their own role is refused however the id is spelled (or the spelling itself is refused).
    const own = (await alice.client.createGrid({ name: `case ${hex()}` })).grid.id;
    for (const role of ['admin', 'member', 'owner']) {
      const a = await req('PATCH', `${API}/grids/${own}/members/${alice.user.id.toUpperCase()}`, { json: { role } });
      const ok = !mismatch(a, 409, 'owner_must_transfer') || !mismatch(a, 400, 'validation_failed');
      if (!ok) problems.push(`${a.what} → ${a.status} ${a.text.slice(0, 200)}; expected 409 owner_must_transfer (or 400)`);
    }
    const roles = (await alice.client.getGrid(own)).members.map((m) => [m.userId, m.role]);
    if (JSON.stringify(roles) !== JSON.stringify([[alice.user.id, 'owner']])) problems.push(`the grid lost its owner: ${JSON.stringify(roles)}`);
    // Leaving with your own id in capitals is leaving, not "removing another member" (or the spelling is refused).
    const dave = await signup(t, 'dave');
    await addMember(alice, own, dave);
    const leave = await call(t.url, 'DELETE', `${API}/grids/${own}/members/${dave.user.id.toUpperCase()}`, { token: dave.token });
    if (leave.status !== 204 && mismatch(leave, 400, 'validation_failed')) {
      problems.push(`${leave.what} → ${leave.status} ${leave.text.slice(0, 200)}; expected 204 (or 400)`);
    }
    assertNoProblems(problems);
  });

  /** Every route that takes a JSON body, with a valid body for it. */
  const bodyRoutes = (): Array<{ method: Method; path: string; token?: string; json: unknown; field: RegExp }> => [
    { method: 'POST', path: `${API}/auth/signup`, json: { username: `x_${hex()}`, password: PASSWORD, deviceName: 'pc' }, field: /username/ },
    { method: 'POST', path: `${API}/auth/login`, json: { username: alice.user.username, password: PASSWORD, deviceName: 'pc' }, field: /username/ },
    { method: 'POST', path: `${API}/grids`, token: alice.token, json: { name: 'g' }, field: /name/ },
    { method: 'PATCH', path: `${G()}/members/${bob.user.id}`, token: alice.token, json: { role: 'admin' }, field: /role/ },
    { method: 'POST', path: `${API}/grids/join`, token: bob.token, json: { code: inviteCode }, field: /code/ },
    { method: 'POST', path: `${G()}/processes`, token: alice.token, json: { name: 'p' }, field: /name/ },
    { method: 'POST', path: `${G()}/invites`, token: alice.token, json: { maxUses: 1 }, field: /maxUses/ },
    { method: 'POST', path: `${G()}/processes/${processId}/heartbeat`, token: alice.token, json: { health: { pid: 1 } }, field: /health/ },
    { method: 'DELETE', path: `${G()}/processes/${processId}`, token: alice.token, json: { reason: 'exited' }, field: /reason/ },
  ];

  test('a body that is not JSON is a 400 invalid_json everywhere, and changes nothing', async () => {
    const before_ = await snapshot();
    const notJson = ['{bad', '{"name":"x",}', "{'name':'x'}", '{"name":"x"} trailing', '{"name":', 'NaN', 'undefined', '[1,2', '{"a":1}{"b":2}', 'nul'];
    const cases: Case[] = [];
    for (const r of [...bodyRoutes(), { method: 'POST' as Method, path: `${API}/auth/logout`, token: alice.token, json: {}, field: /./ }]) {
      for (const raw of notJson) {
        cases.push({ method: r.method, path: r.path, req: { token: r.token, raw }, status: 400, code: 'invalid_json', mention: /json/i });
      }
    }
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    // The token survived the logout attempts with a broken body.
    assert.equal((await req('GET', `${API}/me`)).status, 200);
  });

  test('an empty body where fields are required is a 400 naming a missing field; where none are, no body is fine', async () => {
    const before_ = await snapshot();
    const cases: Case[] = [];
    for (const r of bodyRoutes().filter((x) => !/heartbeat|processes\/[^/]+$|invites$/.test(x.path))) {
      cases.push({ what: 'empty JSON body', method: r.method, path: r.path, req: { token: r.token, raw: '' }, status: 400, code: 'validation_failed', mention: r.field });
      cases.push({ what: 'whitespace body', method: r.method, path: r.path, req: { token: r.token, raw: ' \n ' }, status: 400, code: 'validation_failed', mention: r.field });
      cases.push({ what: '{}', method: r.method, path: r.path, req: { token: r.token, raw: '{}' }, status: 400, code: 'validation_failed', mention: r.field });
      cases.push({ what: 'no body at all', method: r.method, path: r.path, req: { token: r.token }, status: 400, code: 'validation_failed', mention: r.field });
    }
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    const hb = await req('POST', `${G()}/processes/${processId}/heartbeat`);
    assert.equal(answerProblem(hb, { 200: HeartbeatResponse }), undefined);
    assert.equal(hb.status, 200);
  });

  test(`bodies over the limit (${BODY_LIMIT} bytes) are a 413 payload_too_large, streamed or not, and change nothing`, async () => {
    const before_ = await snapshot();
    const padded = (n: number) => JSON.stringify({ name: 'p', command: 'c'.repeat(n) });
    const justOver = padded(BODY_LIMIT - padded(0).length + 1);
    assert.equal(Buffer.byteLength(justOver), BODY_LIMIT + 1);
    const problems: string[] = [];
    for (const raw of [justOver, padded(64 * 1024), JSON.stringify({ name: 'é'.repeat(BODY_LIMIT / 2) })]) {
      for (const r of bodyRoutes()) {
        const p = mismatch(await call(t.url, r.method, r.path, { token: r.token, raw }), 413, 'payload_too_large');
        if (p) problems.push(p);
      }
    }
    // Chunked, with no Content-Length to go by.
    const bytes = new TextEncoder().encode(padded(4 * BODY_LIMIT));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 512) c.enqueue(bytes.slice(i, i + 512));
        c.close();
      },
    });
    const res = await fetch(`${t.url}${G()}/processes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const p = mismatch(await read(res, 'chunked POST processes'), 413, 'payload_too_large');
    if (p) problems.push(p);
    assertNoProblems(problems);
    assert.deepEqual(await snapshot(), before_);
    // Just under the limit is read and validated, not refused for its size.
    const under = JSON.stringify({ name: 'n'.repeat(BODY_LIMIT - '{"name":""}'.length - 1) });
    assert.equal(Buffer.byteLength(under), BODY_LIMIT - 1);
    expectError(await req('POST', `${G()}/processes`, { raw: under }), 400, 'validation_failed', /name/);
  });

  test('a wrong content type is a 415 unsupported_media_type, and changes nothing', async () => {
    const before_ = await snapshot();
    const types = ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/xml', 'text/json', 'application/jsonx'];
    const cases: Case[] = [];
    for (const r of bodyRoutes()) {
      for (const type of types) cases.push({ what: type, method: r.method, path: r.path, req: { token: r.token, json: r.json, type }, status: 415, code: 'unsupported_media_type' });
      cases.push({ what: 'no content type', method: r.method, path: r.path, req: { token: r.token, json: r.json, type: null }, status: 415, code: 'unsupported_media_type' });
    }
    // JSON, but not as we read it: another charset, or compressed.
    for (const r of bodyRoutes()) {
      for (const type of ['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset="iso-8859-1"']) {
        cases.push({ what: type, method: r.method, path: r.path, req: { token: r.token, json: r.json, type }, status: 415, code: 'unsupported_media_type', mention: /charset/ });
      }
      for (const encoding of ['gzip', 'br, gzip']) {
        cases.push({ what: encoding, method: r.method, path: r.path, req: { token: r.token, json: r.json, headers: { 'content-encoding': encoding } }, status: 415, code: 'unsupported_media_type', mention: /Content-Encoding/ });
      }
    }
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8']) {
      const ok = await req('POST', `${API}/grids`, { json: { name: 'charset' }, type });
      assert.equal(ok.status, 201, `${type}: ${ok.text}`);
    }
    const plain = await req('POST', `${API}/grids`, { json: { name: 'identity' }, headers: { 'content-encoding': 'identity' } });
    assert.equal(plain.status, 201, plain.text);
  });

  test('a malformed Authorization header is a 401 unauthorized, and changes nothing', async () => {
    const before_ = await snapshot();
    const headers = [
      'Basic YWxpY2U6cGFzc3dvcmQ=',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      `Token ${alice.token}`,
      alice.token,
      `Bearer ${alice.token} extra`,
      `Bearer ${alice.token}x`,
      `Bearer ${alice.token}, Bearer ${alice.token}`,
      `Bearer ${'x'.repeat(4000)}`,
      'Bearer null',
    ];
    const targets: Array<{ method: Method; path: string; json?: unknown }> = [
      { method: 'GET', path: `${API}/me` },
      { method: 'GET', path: `${API}/grids` },
      { method: 'POST', path: `${API}/grids`, json: { name: 'sneaky' } },
      { method: 'POST', path: `${G()}/processes`, json: { name: 'sneaky' } },
      { method: 'POST', path: `${G()}/processes/${processId}/heartbeat`, json: { health: { pid: 666 } } },
      { method: 'DELETE', path: `${G()}/processes/${processId}`, json: {} },
      { method: 'POST', path: `${API}/auth/logout` },
    ];
    const cases: Case[] = [];
    for (const target of targets) {
      for (const authorization of headers) {
        cases.push({ what: `Authorization '${authorization.slice(0, 40)}'`, method: target.method, path: target.path, req: { json: target.json, headers: { authorization } }, status: 401, code: 'unauthorized' });
      }
      cases.push({ what: 'no Authorization', method: target.method, path: target.path, req: { json: target.json }, status: 401, code: 'unauthorized' });
    }
    assertNoProblems(await runCases(t.url, cases));
    await heartbeatsWritten(t);
    assert.deepEqual(await snapshot(), before_);
    // The scheme is case-insensitive; the token itself still works.
    assert.equal((await call(t.url, 'GET', `${API}/me`, { headers: { authorization: `bearer ${alice.token}` } })).status, 200);
  });

  test('strings PostgreSQL cannot store (NUL, lone surrogates) are a 400, not a 500 or a silently altered value', async () => {
    const before_ = await snapshot();
    const cases: Case[] = [];
    for (const { label, value } of UNSTORABLE) {
      const add = (what: string, method: Method, path: string, json: unknown, token: string | undefined = alice.token) =>
        cases.push({ what: `${what} with ${label}`, method, path, req: { token, json }, status: 400, code: 'validation_failed' });
      add('grid name', 'POST', `${API}/grids`, { name: value });
      add('process name', 'POST', `${G()}/processes`, { name: value });
      add('process command', 'POST', `${G()}/processes`, { name: 'p', command: value });
      add('metadata value', 'POST', `${G()}/processes`, { name: 'p', metadata: { note: value } });
      add('metadata key', 'POST', `${G()}/processes`, { name: 'p', metadata: { [value]: 1 } });
      add('signup deviceName', 'POST', `${API}/auth/signup`, { username: `u_${hex()}`, password: PASSWORD, deviceName: value }, undefined);
      add('login deviceName', 'POST', `${API}/auth/login`, { username: alice.user.username, password: PASSWORD, deviceName: value }, undefined);
    }
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
  });

  test('routes without a body refuse a body with fields, and do nothing', async () => {
    const problems: string[] = [];
    // Logout: a second device's token, so that alice keeps hers.
    const laptop = await secondDevice(t, alice, 'laptop');
    const out = await call(t.url, 'POST', `${API}/auth/logout`, { token: laptop.token, json: { allDevices: true } });
    if (mismatch(out, 400, 'validation_failed')) problems.push(`${out.what} → ${out.status} ${out.text}; expected 400 validation_failed`);
    if ((await call(t.url, 'GET', `${API}/me`, { token: laptop.token })).status !== 200) problems.push('the refused logout revoked the token anyway');
    // Revoking an invite.
    const { invite } = await alice.client.createInvite(gridId, { maxUses: 1 });
    const rev = await req('DELETE', `${G()}/invites/${invite.code}`, { json: { reason: 'spam' } });
    if (mismatch(rev, 400, 'validation_failed')) problems.push(`${rev.what} → ${rev.status} ${rev.text}; expected 400 validation_failed`);
    const after_ = (await alice.client.listInvites(gridId)).invites.find((i) => i.code === invite.code);
    if (after_?.revoked !== false) problems.push('the refused revoke revoked the invite anyway');
    // Removing a member.
    const erin = await signup(t, 'erin');
    await addMember(alice, gridId, erin);
    const rm = await req('DELETE', `${G()}/members/${erin.user.id}`, { json: { ban: true } });
    if (mismatch(rm, 400, 'validation_failed')) problems.push(`${rm.what} → ${rm.status} ${rm.text}; expected 400 validation_failed`);
    if (!(await alice.client.getGrid(gridId)).members.some((m) => m.userId === erin.user.id)) problems.push('the refused removal removed the member anyway');
    // Logging a device out.
    const lost = await secondDevice(t, alice, 'lost-phone');
    const revoke = await req('DELETE', `${API}/devices/${lost.device.id}`, { json: { everywhere: true } });
    if (mismatch(revoke, 400, 'validation_failed')) problems.push(`${revoke.what} → ${revoke.status} ${revoke.text}; expected 400 validation_failed`);
    if ((await call(t.url, 'GET', `${API}/me`, { token: lost.token })).status !== 200) problems.push('the refused device revoke logged the device out anyway');
    assertNoProblems(problems);
    // An empty object, or no body at all, is still fine.
    assert.equal((await call(t.url, 'POST', `${API}/auth/logout`, { token: laptop.token, json: {} })).status, 204);
  });

  test('unknown query parameters are a 400 on every route, and the request does nothing', async () => {
    const laptop = await secondDevice(t, alice, 'laptop-q');
    const { invite } = await alice.client.createInvite(gridId, { maxUses: 1 });
    const before_ = await snapshot();
    const P = `${G()}/processes/${processId}`;
    const routes: Array<[Method, string, unknown?, string?]> = [
      ...[`${API}/me`, `${API}/devices`, `${API}/grids`, G(), `${G()}/invites`, `${G()}/processes`, P, `${P}/events`, `${P}/connections`].map((path): [Method, string] => ['GET', path]),
      ...bodyRoutes().map((r): [Method, string, unknown, string?] => [r.method, r.path, r.json, r.token]),
      ['POST', `${API}/auth/logout`, {}, laptop.token],
      ['DELETE', `${API}/devices/${laptop.device.id}`],
      ['DELETE', `${G()}/invites/${invite.code}`],
      ['DELETE', `${G()}/members/${bob.user.id}`],
      ['DELETE', `${P}/connections`],
      ['DELETE', `${P}/connections/${randomUUID()}`],
    ];
    const cases = routes.map(([method, path, json, token]): Case => ({ method, path: `${path}?verbose=1`, req: { token, json }, status: 400, code: 'validation_failed', mention: /verbose/ }));
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    assert.equal((await call(t.url, 'GET', `${API}/me`, { token: laptop.token })).status, 200, 'the refused logout and device revoke logged nothing out');
  });

  test('bodies nested deeper than any request needs are a 400, not a 500, whoever sends them', async () => {
    const before_ = await snapshot();
    // Under this suite's small body limit.
    const deep = ['['.repeat(900) + ']'.repeat(900), `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`, `{"name":"p","metadata":{"k":${'['.repeat(40)}${']'.repeat(40)}}}`];
    const cases: Case[] = [];
    for (const r of [...bodyRoutes(), { method: 'POST' as Method, path: `${API}/auth/logout`, token: alice.token }]) {
      for (const raw of deep) cases.push({ method: r.method, path: r.path, req: { token: r.token, raw }, status: 400, code: 'validation_failed', mention: /nested/ });
    }
    assertNoProblems(await runCases(t.url, cases));
    assert.deepEqual(await snapshot(), before_);
    assert.equal((await req('GET', `${API}/me`)).status, 200);
    // Deep enough to overflow the stack of anything that walks it recursively, under the default body limit, with no token:
    // the body is read before anyone is asked who they are.
    const roomy = await startTestCoordinator(engine);
    try {
      for (const raw of ['['.repeat(10_000) + ']'.repeat(10_000), `${'{"a":'.repeat(8_000)}1${'}'.repeat(8_000)}`]) {
        for (const path of [`${API}/grids`, `${API}/auth/login`]) expectError(await call(roomy.url, 'POST', path, { raw }), 400, 'validation_failed', /nested/);
      }
      assert.deepEqual(roomy.logs.filter((l) => Number(l.level) >= 50), []);
    } finally {
      await roomy.close();
    }
  });

  test('URLs that cannot be decoded, and over-long path segments, are a 400 in the error shape', async () => {
    const cases: Case[] = [
      { method: 'GET', path: `${API}/grids/%`, status: 400, code: 'validation_failed' },
      { method: 'GET', path: `${API}/grids/%E0%A4%A`, status: 400, code: 'validation_failed' },
      { method: 'GET', path: `${G()}/processes/%zz`, status: 400, code: 'validation_failed' },
      { method: 'POST', path: `${G()}/processes/%C0%AF/heartbeat`, req: { json: {} }, status: 400, code: 'validation_failed' },
      { method: 'GET', path: `${API}/grids/${'a'.repeat(150)}`, status: 400, code: 'validation_failed' },
      { method: 'DELETE', path: `${G()}/invites/${'A'.repeat(150)}`, status: 400, code: 'validation_failed' },
    ].map((c) => ({ ...c, req: { token: alice.token, ...c.req } }) as Case);
    assertNoProblems(await runCases(t.url, cases));
    // Answered before any hook runs, and still with the protocol header.
    const res = await fetch(`${t.url}${API}/grids/%zz`, { headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(res.headers.get('x-grid-protocol'), String(PROTOCOL_VERSION));
  });

  /** Sends raw bytes, reads until the server closes: Node's own HTTP parser refuses these before Fastify sees them. */
  const rawHttp = (bytes: string) =>
    new Promise<{ head: string; answer: Answer }>((resolve, reject) => {
      const sock = connect(Number(new URL(t.url).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      sock.on('data', (c) => chunks.push(c));
      sock.on('error', reject);
      sock.on('close', () => {
        const text = Buffer.concat(chunks).toString();
        const [head = '', body = ''] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const contentType = /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
        resolve({ head, answer: { status, text: body, json, contentType, what: JSON.stringify(bytes.slice(0, 80)) } });
      });
      sock.end(bytes);
    });

  test('requests that are not valid HTTP get the error shape and the protocol header, and the coordinator carries on', async () => {
    const problems: string[] = [];
    const cases: Array<[string, number, ErrorCode]> = [
      [`GET ${API}/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0001b\r\n\r\n`, 400, 'validation_failed'],
      [`GET ${API}/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
      [`POST ${API}/grids HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`, 400, 'validation_failed'],
      ['NOT-HTTP\r\n\r\n', 400, 'validation_failed'],
    ];
    for (const [bytes, status, code] of cases) {
      const { head, answer } = await rawHttp(bytes);
      const m = mismatch(answer, status, code);
      if (m) problems.push(m);
      if (!new RegExp(`x-grid-protocol: ${PROTOCOL_VERSION}`, 'i').test(head)) problems.push(`${answer.what} → no protocol header: ${head}`);
    }
    assertNoProblems(problems);
    assert.equal((await req('GET', `${API}/me`)).status, 200);
  });

  test('a WebSocket message over the frame limit closes that socket (1009) and is not logged as an error of ours', async () => {
    const from = t.logs.length;
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}${G()}/events`, { headers: { authorization: `Bearer ${alice.token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(Buffer.alloc(200_000));
    assert.equal(await closed, 1009);
    const warned = await eventually(async () => t.logs.slice(from).find((l) => l.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'), 5_000, 'the close in the log');
    assert.equal(warned.level, 40, 'a warning, not an error');
  });

  test('nothing sent so far made the coordinator log an error', () => {
    const errors = t.logs.filter((l) => Number(l.level) >= 50).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '').slice(0, 300)}`);
    assert.deepEqual(errors, []);
  });

  test('the events endpoint answers plain HTTP in the error shape', async () => {
    const problems: string[] = [];
    const plain = await req('GET', `${G()}/events`);
    const p = errorShapeProblem(plain);
    if (p) problems.push(`GET events without an upgrade → ${p}`);
    for (const c of [
      { path: `${API}/grids/nope/events`, token: alice.token, status: 400, code: 'validation_failed' as const },
      { path: `${G()}/events?foo=1`, token: alice.token, status: 400, code: 'validation_failed' as const },
      { path: `${G()}/events`, token: undefined, status: 401, code: 'unauthorized' as const },
      { path: `${G()}/events?token=not-a-token`, token: undefined, status: 400, code: 'validation_failed' as const },
      { path: `${G()}/events?token=${alice.token}`, token: alice.token, status: 400, code: 'validation_failed' as const },
      { path: `${API}/grids/${randomUUID()}/events`, token: alice.token, status: 404, code: 'grid_not_found' as const },
    ]) {
      const m = mismatch(await call(t.url, 'GET', c.path, { token: c.token }), c.status, c.code);
      if (m) problems.push(m);
    }
    assertNoProblems(problems);
  });

  test('unknown routes and methods are a 404 not_found in the error shape', async () => {
    const cases: Case[] = [
      { method: 'GET', path: '/nope', status: 404, code: 'not_found' },
      { method: 'GET', path: `${API}/nope`, status: 404, code: 'not_found' },
      { method: 'DELETE', path: `${API}/grids`, status: 404, code: 'not_found' },
      { method: 'POST', path: `${G()}`, req: { json: {} }, status: 404, code: 'not_found' },
      { method: 'PATCH', path: `${G()}/processes/${processId}`, req: { json: {} }, status: 404, code: 'not_found' },
      { method: 'POST', path: `${G()}/claim-host`, status: 404, code: 'not_found' },
    ];
    assertNoProblems(await runCases(t.url, cases.map((c) => ({ ...c, req: { token: alice.token, ...c.req } }))));
  });

  describe('one bad heartbeat must not cost everyone else theirs', () => {
    let t2: TestCoordinator;
    let owner: TestUser;
    let grid: string;
    before(async () => {
      t2 = await startTestCoordinator(engine);
      owner = await signup(t2, 'host');
      grid = (await owner.client.createGrid({ name: 'poison' })).grid.id;
    });
    after(() => t2?.close());

    test('a heartbeat whose health holds a string the database cannot store is refused; other heartbeats still reach the database and expiry keeps working', async () => {
      const problems: string[] = [];
      const { process: bad } = await owner.client.registerProcess(grid, { name: 'bad' });
      const { process: good } = await owner.client.registerProcess(grid, { name: 'good' });
      const { process: silent } = await owner.client.registerProcess(grid, { name: 'silent' });
      for (const { label, value } of UNSTORABLE) {
        const a = await call(t2.url, 'POST', `${API}/grids/${grid}/processes/${bad.id}/heartbeat`, {
          token: owner.token,
          json: { health: { minecraft: { reachable: true, motd: value } } },
        });
        const m = mismatch(a, 400, 'validation_failed');
        if (m) problems.push(`health with ${label}: ${m}`);
      }
      const health = { alive: true, pid: 4242 };
      await owner.client.heartbeat(grid, good.id, { health });
      try {
        await t2.coordinator.services.processes.flush();
      } catch (err) {
        problems.push(`the heartbeat flush fails: ${(err as Error).message}`);
      }
      const expiryWindow = Math.round(t2.config.staleAfterMs * 2.5);
      const [stored, expired] = await Promise.all([
        // Flushes run every few tens of milliseconds: a second is plenty.
        eventually(
          async () => (JSON.stringify((await owner.client.getProcess(grid, good.id)).process.health) === JSON.stringify(health) ? true : undefined),
          1_000,
          "the good process's heartbeat",
        ).catch(() => false),
        // A process that stops heartbeating still goes offline: expiry is not paused for good.
        eventually(
          async () => ((await owner.client.getProcess(grid, silent.id)).process.status === 'offline' ? true : undefined),
          expiryWindow,
          'the silent process to expire',
        ).catch(() => false),
      ]);
      if (!stored) problems.push("another process's heartbeat never reached the database");
      if (!expired) problems.push(`a process without heartbeats was still online ${expiryWindow} ms later (stale after ${t2.config.staleAfterMs} ms)`);
      assertNoProblems(problems);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Property-based: arbitrary input at every endpoint
  // -------------------------------------------------------------------------------------------

  // Runs last on the same coordinator as the examples above: whatever they left behind is fair game.
  describe('property-based: arbitrary input never gets a 5xx or a malformed answer, and what is accepted is stored as sent', () => {
    let f: TestCoordinator;
    let owner: TestUser;
    let member: TestUser;
    let canary: TestUser;
    let canaryGrid: string;
    let grid: string;
    let hbProcess: string;
    let delProcess: string;
    let code: string;
    let canaryRuns = 0;

    before(async () => {
      f = t;
      owner = await signup(f, 'owner', 'pc1');
      member = await signup(f, 'member', 'pc2');
      canary = await signup(f, 'canary', 'pc3');
      grid = (await owner.client.createGrid({ name: 'fuzz' })).grid.id;
      canaryGrid = (await canary.client.createGrid({ name: 'canary' })).grid.id;
      await addMember(owner, grid, member);
      hbProcess = (await owner.client.registerProcess(grid, { name: 'beating' })).process.id;
      delProcess = (await owner.client.registerProcess(grid, { name: 'stopping' })).process.id;
      code = (await owner.client.createInvite(grid, { maxUses: 1000 })).invite.code;
    });

    /** Alive, ready, and the registry still works end to end: a heartbeat's health reaches the database. */
    async function assertHealthy(): Promise<void> {
      const errors = f.logs.filter((l) => Number(l.level) >= 50).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '').slice(0, 300)}`);
      assert.deepEqual(errors, [], 'no input is an error of ours in the log');
      assert.equal((await fetch(`${f.url}/healthz`)).status, 200, '/healthz');
      const ready = await fetch(`${f.url}/readyz`);
      assert.equal(ready.status, 200, `/readyz: ${await ready.text()}`);
      const { process: p } = await canary.client.registerProcess(canaryGrid, { name: `canary ${++canaryRuns}` });
      const health = { alive: true, pid: 1000 + canaryRuns };
      await canary.client.heartbeat(canaryGrid, p.id, { health });
      await assert.doesNotReject(f.coordinator.services.processes.flush(), 'pending heartbeats can be written');
      await eventually(
        async () => (JSON.stringify((await canary.client.getProcess(canaryGrid, p.id)).process.health) === JSON.stringify(health) ? true : undefined),
        3_000,
        "the canary's heartbeat to be stored",
      );
      assert.equal((await canary.client.me()).user.id, canary.user.id);
    }

    type Sent = Record<string, any>;
    const same = (a: unknown, b: unknown) => {
      try {
        assert.deepStrictEqual(a, b);
        return true;
      } catch {
        return false;
      }
    };

    interface Route {
      method: Method;
      path: string;
      auth: boolean;
      ok: OkMap;
      /** A valid body; absent when the route takes none. */
      body?: () => Record<string, unknown>;
      params?: () => Record<string, string>;
      /** For a success: why what was stored (or echoed from the database) is not what was sent. */
      stored?: (sent: Sent, json: Sent) => Promise<string | undefined> | string | undefined;
    }
    const label = (r: Route) => `${r.method} ${r.path}`;
    /** Signup's base username, swapped for a fresh one on each run: else every run after the first stops at username_taken. */
    const SIGNUP_BASE = 'fuzz_base';

    const params = (r: Route): Record<string, string> => ({
      gridId: grid,
      userId: member.user.id,
      processId: hbProcess,
      code,
      ...r.params?.(),
    });
    const pathOf = (r: Route, override: Record<string, string> = {}, raw = false) =>
      API + r.path.replace(/:(\w+)/g, (_, name: string) => {
        const v = override[name] ?? params(r)[name] ?? '';
        return name in override && raw ? v : encodeURIComponent(v);
      });

    const fullHealth = {
      alive: true,
      pid: 10,
      uptimeSeconds: 5.5,
      cpuPercent: 1.5,
      rssBytes: 1024,
      ports: [{ port: 25565, open: true }],
      minecraft: { reachable: true, version: '1.21', protocol: 767, playersOnline: 1, playersMax: 10, sample: ['steve'], motd: 'A Minecraft Server', latencyMs: 3, error: 'none' },
    };

    const BODY_ROUTES: Route[] = [
      {
        method: 'POST',
        path: '/auth/signup',
        auth: false,
        ok: { 201: AuthResponse },
        body: () => ({ username: SIGNUP_BASE, password: PASSWORD, deviceName: 'pc' }),
        stored: (s, j) =>
          j.user.username === s.username && j.device.name === s.deviceName.trim() ? undefined : `stored ${JSON.stringify([j.user.username, j.device.name])}`,
      },
      // A wrong password, so that a valid body costs no new device; 401 is a well-formed answer too.
      { method: 'POST', path: '/auth/login', auth: false, ok: { 200: AuthResponse }, body: () => ({ username: owner.user.username, password: 'not the password', deviceName: 'pc' }) },
      { method: 'POST', path: '/auth/logout', auth: false, ok: { 204: null }, body: () => ({}) },
      {
        method: 'POST',
        path: '/grids',
        auth: true,
        ok: { 201: GridResponse },
        body: () => ({ name: 'fuzzed grid' }),
        stored: (s, j) => (j.grid.name === s.name.trim() ? undefined : `stored name ${JSON.stringify(j.grid.name)}`),
      },
      {
        method: 'PATCH',
        path: '/grids/:gridId/members/:userId',
        auth: true,
        ok: { 200: MemberResponse },
        body: () => ({ role: 'admin' }),
        stored: (s, j) => (j.member.role === s.role && j.member.userId === member.user.id ? undefined : `stored ${JSON.stringify(j.member)}`),
      },
      {
        method: 'POST',
        path: '/grids/:gridId/invites',
        auth: true,
        ok: { 201: InviteResponse },
        body: () => ({ expiresInSeconds: 3600, maxUses: 5 }),
        stored: (s, j) => (j.invite.maxUses === (s.maxUses ?? null) && (j.invite.expiresAt === null) === (s.expiresInSeconds === undefined) ? undefined : `stored ${JSON.stringify(j.invite)}`),
      },
      { method: 'DELETE', path: '/grids/:gridId/invites/:code', auth: true, ok: { 204: null }, body: () => ({}) },
      { method: 'POST', path: '/grids/join', auth: true, ok: { 200: GridResponse }, body: () => ({ code: 'ABCDE-FGHJK' }) },
      {
        method: 'POST',
        path: '/grids/:gridId/processes',
        auth: true,
        ok: { 200: ProcessResponse, 201: ProcessResponse },
        body: () => ({ id: randomUUID(), name: 'fuzzed', kind: 'http', command: 'serve --port 8080', ports: [{ port: 8080, protocol: 'tcp' }], metadata: { a: 1, b: 'x', c: true, d: null } }),
        stored: (s, j) => {
          const p = j.process;
          const expected = {
            name: s.name.trim(),
            kind: s.kind ?? 'generic',
            command: s.command ?? null,
            ports: ((s.ports ?? []) as Sent[]).map((x) => ({ port: x.port, protocol: x.protocol ?? 'tcp' })),
            metadata: s.metadata ?? {},
          };
          const got = { name: p.name, kind: p.kind, command: p.command, ports: p.ports, metadata: p.metadata };
          if (s.id !== undefined && String(s.id).toLowerCase() !== p.id) return `stored id ${p.id} for ${s.id}`;
          return same(got, expected) ? undefined : `stored ${JSON.stringify(got)}, sent ${JSON.stringify(expected)}`;
        },
      },
      {
        method: 'POST',
        path: '/grids/:gridId/processes/:processId/heartbeat',
        auth: true,
        ok: { 200: HeartbeatResponse },
        body: () => ({ health: structuredClone(fullHealth) }),
        // Read back from the database: a heartbeat answered 200 must not be lost in the write-behind.
        stored: async (s) => {
          if (s.health === undefined) return undefined;
          const liveness = f.coordinator.services.liveness;
          await liveness.flush(); // joins a flush in progress, which may predate this heartbeat…
          await liveness.flush(); // …so one more, which includes it
          const p = await f.coordinator.services.processes.repository.find(hbProcess);
          return same(p?.health, s.health) ? undefined : `the database holds health ${JSON.stringify(p?.health)}`;
        },
      },
      {
        method: 'DELETE',
        path: '/grids/:gridId/processes/:processId',
        auth: true,
        ok: { 200: ProcessResponse },
        body: () => ({ reason: 'exited', exitCode: 0 }),
        params: () => ({ processId: delProcess }),
      },
    ];
    const GET_ROUTES: Route[] = [
      { method: 'GET', path: '/me', auth: true, ok: { 200: MeResponse } },
      { method: 'GET', path: '/grids', auth: true, ok: { 200: GridListResponse } },
      { method: 'GET', path: '/grids/:gridId', auth: true, ok: { 200: GridDetailResponse } },
      { method: 'GET', path: '/grids/:gridId/invites', auth: true, ok: { 200: InviteListResponse } },
      { method: 'GET', path: '/grids/:gridId/processes', auth: true, ok: { 200: ProcessListResponse } },
      { method: 'GET', path: '/grids/:gridId/processes/:processId', auth: true, ok: { 200: ProcessResponse } },
      { method: 'GET', path: '/grids/:gridId/events', auth: true, ok: {} },
    ];
    // Removing a member is left out of the path and body fuzzing on purpose: a valid request removes them.
    const ALL_ROUTES = [...BODY_ROUTES, ...GET_ROUTES];
    const byLabel = new Map(ALL_ROUTES.map((r) => [label(r), r]));
    /** Routes by label, so that a counterexample reads "PATCH /grids/:gridId/…" rather than a dump of schemas. */
    const routeArb = (routes: Route[]) => fc.constantFrom(...routes.map(label)).map((l) => byLabel.get(l)!);
    const FC = { includeErrorInReport: true } as const;

    const send = (r: Route, req_: Req, path = pathOf(r)) => call(f.url, r.method, path, { token: r.auth ? owner.token : undefined, ...req_ });

    /** Sends `body` and checks the answer: a success of the right shape whose data is what was sent, or a well-formed error. */
    async function sendAndCheck(r: Route, body: unknown): Promise<void> {
      if (r.path === '/auth/signup' && isObject(body) && body.username === SIGNUP_BASE) {
        body = { ...(JSON.parse(JSON.stringify(body)) as object), username: `fz_${hex()}` };
      }
      const raw = JSON.stringify(body);
      const a = await send(r, { raw });
      const p = answerProblem(a, r.ok);
      assert.equal(p, undefined, p);
      if (r.stored && a.status < 300) {
        const s = await r.stored(JSON.parse(raw) as Sent, a.json as Sent);
        assert.equal(s, undefined, `${a.what} → ${a.status}, but ${s}`);
      }
    }

    // ---- arbitraries ----

    type Path = Array<string | number>;
    function walk(v: unknown, p: Path, out: { all: Path[]; objects: Path[]; strings: Path[] }) {
      if (Array.isArray(v)) {
        v.forEach((x, i) => {
          out.all.push([...p, i]);
          walk(x, [...p, i], out);
        });
      } else if (isObject(v)) {
        out.objects.push(p);
        for (const [k, x] of Object.entries(v)) {
          out.all.push([...p, k]);
          walk(x, [...p, k], out);
        }
      } else if (typeof v === 'string') out.strings.push(p);
      return out;
    }
    const at = (root: unknown, path: Path) => path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], root);
    /** Sets an own property even for keys such as __proto__. */
    const put = (o: object, k: string | number, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

    type Mutation =
      | { kind: 'whole'; value: unknown }
      | { kind: 'set'; path: Path; value: unknown }
      | { kind: 'drop'; path: Path }
      | { kind: 'add'; path: Path; key: string; value: unknown }
      | { kind: 'poke'; path: Path; at: number; text: string };

    function apply(base: Record<string, unknown>, m: Mutation): unknown {
      if (m.kind === 'whole') return m.value;
      const body = structuredClone(base);
      if (m.kind === 'add') {
        put(at(body, m.path) as object, m.key, m.value);
        return body;
      }
      const parent = at(body, m.path.slice(0, -1)) as Record<string | number, unknown>;
      const key = m.path[m.path.length - 1]!;
      if (m.kind === 'drop') {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else if (m.kind === 'set') {
        put(parent, key, m.value);
      } else {
        const s = String(parent[key]);
        const i = m.at % (s.length + 1);
        put(parent, key, s.slice(0, i) + m.text + s.slice(i));
      }
      return body;
    }

    interface Alphabet {
      value: fc.Arbitrary<unknown>;
      key: fc.Arbitrary<string>;
      text: fc.Arbitrary<string>;
      /** How often text is slipped into an existing string, against each other kind of mutation. */
      pokeWeight: number;
    }

    /** Valid bodies, bent: a field replaced, dropped or added anywhere in the tree, text slipped into a string, or another body altogether. */
    function mutations(base: Record<string, unknown>, abc: Alphabet): fc.Arbitrary<Mutation> {
      const { all, objects, strings } = walk(base, [], { all: [], objects: [], strings: [] });
      const arbs: Array<fc.WeightedArbitrary<Mutation>> = [{ weight: 1, arbitrary: abc.value.map((v): Mutation => ({ kind: 'whole', value: v })) }];
      if (all.length) {
        arbs.push({ weight: 2, arbitrary: fc.record({ path: fc.constantFrom(...all), value: abc.value }).map(({ path, value }): Mutation => ({ kind: 'set', path, value })) });
        arbs.push({ weight: 1, arbitrary: fc.constantFrom(...all).map((path): Mutation => ({ kind: 'drop', path })) });
      }
      arbs.push({ weight: 1, arbitrary: fc.record({ path: fc.constantFrom(...objects), key: abc.key, value: abc.value }).map(({ path, key, value }): Mutation => ({ kind: 'add', path, key, value })) });
      if (strings.length) {
        arbs.push({ weight: abc.pokeWeight, arbitrary: fc.record({ path: fc.constantFrom(...strings), at: fc.nat(), text: abc.text }).map(({ path, at: i, text }): Mutation => ({ kind: 'poke', path, at: i, text })) });
      }
      return fc.oneof(...arbs);
    }

    const EDGE_VALUES = [0, -0, -1, 1.5, 65535, 65536, 2 ** 31, 2 ** 53, 1e308, -1e308, 5e-324, '', ' ', '0', 'true', 'null', 'x'.repeat(300), true, false, null, [], {}, [null], { '': null }];
    const ASCII: Alphabet = {
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...EDGE_VALUES), fc.string({ maxLength: 40 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'name', 'role', 'status', '')),
      text: fc.string({ maxLength: 20 }),
      pokeWeight: 1,
    };

    /** What PostgreSQL cannot store, and other characters that tend to break things. */
    const UNSTORABLE_CHARS = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'];
    const ODD_CHARS = ['\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '\u202e', '\ufeff', '\uffff', '\\', '"', '%', '\n', '\t', '\u00e9', '\u{1f600}'];
    const hostileUnit = fc.oneof(
      { arbitrary: fc.constantFrom(...UNSTORABLE_CHARS), weight: 2 },
      { arbitrary: fc.constantFrom(...ODD_CHARS), weight: 2 },
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
      { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 3 },
    );
    const hostileString = fc.string({ unit: hostileUnit, maxLength: 16 });
    const HOSTILE: Alphabet = {
      value: fc.oneof(fc.jsonValue({ maxDepth: 3, stringUnit: hostileUnit }), hostileString),
      key: fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')),
      text: fc.oneof({ arbitrary: fc.constantFrom(...UNSTORABLE_CHARS), weight: 2 }, { arbitrary: hostileString, weight: 1 }),
      pokeWeight: 4,
    };

    const GROUPS: Array<{ name: string; paths: string[] }> = [
      { name: 'accounts (signup, login, logout)', paths: ['/auth/signup', '/auth/login', '/auth/logout'] },
      { name: 'grids, members and invites', paths: ['/grids', '/grids/:gridId/members/:userId', '/grids/:gridId/invites', '/grids/:gridId/invites/:code', '/grids/join'] },
      { name: 'registering processes', paths: ['/grids/:gridId/processes'] },
      { name: 'stopping processes', paths: ['/grids/:gridId/processes/:processId'] },
      // Last: a heartbeat that poisons the write-behind should not take the other groups down with it.
      { name: 'heartbeats', paths: ['/grids/:gridId/processes/:processId/heartbeat'] },
    ];

    /** One of the group's routes, and a bent version of its valid body. */
    function groupArb(paths: string[], abc: Alphabet) {
      const routes = BODY_ROUTES.filter((r) => paths.includes(r.path));
      assert.equal(routes.length, paths.length);
      return fc.oneof(
        ...routes.map((r) => {
          const base = r.body!();
          return mutations(base, abc).map((m) => ({ route: label(r), body: apply(base, m), mutation: m }));
        }),
      );
    }
    const fuzzBodies = (paths: string[], abc: Alphabet) =>
      fc.assert(
        fc.asyncProperty(groupArb(paths, abc), ({ route, body }) => sendAndCheck(byLabel.get(route)!, body)),
        { ...FC, numRuns: 100 },
      );

    for (const g of GROUPS) {
      test(`arbitrary JSON bodies: ${g.name}`, async () => {
        await fuzzBodies(g.paths, ASCII);
        await assertHealthy();
      });
    }

    test('arbitrary text (JSON or not) as the body of every route that takes one', async () => {
      const raw = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.json({ maxDepth: 3 }),
        fc.constantFrom('{', '[', '{"a":', 'null', 'true', '""', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', '\ufeff{}', '{}\u0000', '1e999', '-', '{"a":1,"a":2}'),
      );
      await fc.assert(
        fc.asyncProperty(routeArb(BODY_ROUTES), raw, async (r, text) => {
          const a = await send(r, { raw: text });
          const p = answerProblem(a, r.ok);
          assert.equal(p, undefined, p);
        }),
        { ...FC, numRuns: 150 },
      );
      await assertHealthy();
    });

    const SLOTS = ALL_ROUTES.flatMap((r) => (r.path.match(/:(\w+)/g) ?? []).map((p) => `${label(r)} ${p.slice(1)}`));

    async function fuzzPaths(segment: fc.Arbitrary<string>, raw: boolean, numRuns: number): Promise<void> {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...SLOTS), segment, async (slot, seg) => {
          const name = slot.slice(slot.lastIndexOf(' ') + 1);
          const r = byLabel.get(slot.slice(0, slot.lastIndexOf(' ')))!;
          let path: string;
          try {
            path = pathOf(r, { [name]: seg }, raw);
            new URL(path, f.url);
          } catch {
            return; // Not a URL a client could send at all.
          }
          const a = await send(r, r.body ? { json: r.body() } : {}, path);
          // A valid path may legitimately succeed; whatever else comes back must be a well-formed error.
          const p = answerProblem(a, r.ok);
          assert.equal(p, undefined, p);
        }),
        { ...FC, numRuns },
      );
    }

    test('arbitrary path segments (properly encoded) in place of every id and code', async () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.uuid(),
        fc.uuid().map((u) => u.toUpperCase()),
        fc.constantFrom('', '.', '..', '%', '%00', '\u0000', '00000000-0000-0000-0000-000000000000', 'ABCDE-FGHJK', 'abcdefghjk', '__proto__', 'constructor'),
      );
      await fuzzPaths(segment, false, 150);
      await assertHealthy();
    });

    test('arbitrary raw path segments: undecodable escapes, over-long segments', async () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%2F', '%00', 'x'.repeat(101), 'A'.repeat(500)),
        fc.tuple(fc.uuid(), fc.constantFrom('%', '%G1', '%ff')).map(([u, tail]) => u + tail),
      );
      await fuzzPaths(segment, true, 60);
      await assertHealthy();
    });

    test('arbitrary query strings on every route', async () => {
      const query = fc.oneof(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map((d) => new URLSearchParams(d).toString()),
        fc.string({ maxLength: 40 }),
        fc.constantFrom('status=online', 'status=hosted', 'status[]=online', 'status[a]=1', 'status=online&status=stopped', '__proto__[x]=1', 'token=abc', '%', '&&&', '='),
      );
      // Left out: the events route (a plain GET there is a separate case, tested above), and signup and
      // login, whose valid bodies cost a password hash each (their query handling is the same as logout's).
      const routes = ALL_ROUTES.filter((r) => !r.path.endsWith('/events') && !['/auth/signup', '/auth/login'].includes(r.path));
      await fc.assert(
        fc.asyncProperty(routeArb(routes), query, async (r, q) => {
          let path: string;
          try {
            path = `${pathOf(r)}?${q}`;
            new URL(path, f.url);
          } catch {
            return;
          }
          const a = await send(r, r.body ? { json: r.body() } : {}, path);
          const p = answerProblem(a, r.ok);
          assert.equal(p, undefined, p);
        }),
        { ...FC, numRuns: 100 },
      );
      await assertHealthy();
    });

    test('arbitrary Authorization and Content-Type headers', async () => {
      const header = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'bearer x y', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;', 'text/plain', 'multipart/form-data', '*/*'),
      );
      await fc.assert(
        fc.asyncProperty(routeArb(BODY_ROUTES.filter((r) => r.auth)), header, header, fc.boolean(), async (r, authorization, contentType, withToken) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          headers.authorization = withToken ? `Bearer ${owner.token}` : authorization;
          let a: Answer;
          try {
            a = await call(f.url, r.method, pathOf(r), { raw: JSON.stringify(r.body!()), headers });
          } catch (err) {
            // fetch refuses some header values before sending; that is not the coordinator's doing.
            if (err instanceof TypeError && !(err.cause instanceof Error && /ECONN|socket|closed/i.test(err.cause.message))) return;
            throw err;
          }
          const p = answerProblem(a, r.ok);
          assert.equal(p, undefined, p);
        }),
        { ...FC, numRuns: 100 },
      );
      await assertHealthy();
    });

    for (const g of GROUPS) {
      test(`bodies with NULs, lone surrogates and other hostile text: ${g.name}`, async () => {
        await fuzzBodies(g.paths, HOSTILE);
        await assertHealthy();
      });
    }
  });
});
