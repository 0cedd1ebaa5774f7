/**
 * The authorization matrix: for EVERY endpoint, one test per principal.
 *
 * Each row of ROWS is one endpoint (or one target of an endpoint whose rules
 * depend on the target, such as DELETE /members/:userId). It says how to make
 * the request and what every principal must get back: a success status, or an
 * error status AND its error code. One `test()` is generated per
 * (row, principal), so a failure names the exact cell.
 *
 * The cast of one grid (see `Cast`):
 *
 *   owner         owns the grid                                    device owner-pc
 *   admin         role admin                                       device admin-pc
 *   member        "mia", role member; hosts nothing under test     device mia-pc
 *   memberLaptop  "another device of another user": mia's second
 *                 login — a user who is not the owner, not an
 *                 admin and not the process host                   device mia-laptop
 *   host          role member; the device that hosts the process
 *                 under test                                       device host-pc
 *   hostLaptop    the host USER's other device: same user, not
 *                 the hosting device (heartbeats are per device)   device host-laptop
 *   nonMember     signed up, owns a grid of their own, not in this one
 *   revoked       a device of the OWNER whose token did POST /auth/logout,
 *                 so a 401 there can only come from the revocation
 *   anon          no Authorization header at all
 *
 * Cells that change state get fresh fixtures so that no cell depends on the
 * order the cells run in: rows marked `fresh` build a whole new cast (new
 * users, new grid) per cell, and the other state-changing rows make a fresh
 * process / invite / target member per cell on the shared cast. Principals
 * are created lazily, so a fresh cast costs only the users a cell needs.
 */
import {
  API_PREFIX,
  type ErrorCode,
  type DeviceListResponse,
  type GridDetailResponse,
  type GridListResponse,
  type GridResponse,
  type HeartbeatResponse,
  type InviteListResponse,
  type InviteResponse,
  type MeResponse,
  type MemberResponse,
  type Process,
  type ProcessListResponse,
  type ProcessResponse,
  type Role,
  type SnapshotEvent,
} from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents, refusedUpgrade } from '../testing/events-socket.js';
import { openLink } from '../testing/link-client.js';
import { addMember, secondDevice, signup, startTestCoordinator, type TestCoordinator, type TestUser } from '../testing/harness.js';

// ---------------------------------------------------------------------------
// Principals

const WHO = ['anon', 'revoked', 'nonMember', 'member', 'memberLaptop', 'admin', 'owner', 'host', 'hostLaptop'] as const;
type Who = (typeof WHO)[number];

const LABEL: Record<Who, string> = {
  anon: 'no token',
  revoked: 'revoked token',
  nonMember: 'non-member',
  member: 'member',
  memberLaptop: 'another device of another user',
  admin: 'admin',
  owner: 'owner',
  host: 'host device',
  hostLaptop: "host user's other device",
};

/** The role each principal holds in the grid under test (none for anon, revoked and nonMember). */
const ROLE: Partial<Record<Who, Role>> = {
  member: 'member',
  memberLaptop: 'member',
  admin: 'admin',
  owner: 'owner',
  host: 'member',
  hostLaptop: 'member',
};

interface Principal {
  who: Who;
  /** undefined for anon. */
  token: string | undefined;
  /** The account and device behind the token (for revoked: the owner's logged-out device); undefined for anon. */
  user: TestUser | undefined;
}

/** One grid and the people around it. Everything is made on first use and then reused. */
class Cast {
  private readonly memo = new Map<string, Promise<unknown>>();
  constructor(private readonly t: TestCoordinator) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }

  owner = () => this.once('owner', () => signup(this.t, 'owner', 'owner-pc'));
  gridId = () => this.once('grid', async () => (await (await this.owner()).client.createGrid({ name: 'authz' })).grid.id);

  private joined(key: string, name: string, device: string, role: Role): Promise<TestUser> {
    return this.once(key, async () => {
      const u = await signup(this.t, name, device);
      await addMember(await this.owner(), await this.gridId(), u, role);
      return u;
    });
  }

  admin = () => this.joined('admin', 'admin', 'admin-pc', 'admin');
  member = () => this.joined('member', 'mia', 'mia-pc', 'member');
  memberLaptop = () => this.once('memberLaptop', async () => secondDevice(this.t, await this.member(), 'mia-laptop'));
  host = () => this.joined('host', 'host', 'host-pc', 'member');
  hostLaptop = () => this.once('hostLaptop', async () => secondDevice(this.t, await this.host(), 'host-laptop'));
  nonMember = () =>
    this.once('nonMember', async () => {
      const u = await signup(this.t, 'outsider', 'outsider-pc');
      // Owning a grid elsewhere must grant nothing here.
      await u.client.createGrid({ name: 'elsewhere' });
      return u;
    });
  revoked = () =>
    this.once('revoked', async () => {
      const d = await secondDevice(this.t, await this.owner(), 'owner-old-pc');
      await d.client.logout();
      return d;
    });

  async principal(who: Who): Promise<Principal> {
    const user = who === 'anon' ? undefined : await this[who]();
    return { who, token: user?.token, user };
  }

  /** The process every read-only cell looks at: hosted by host-pc. */
  process = () => this.once('process', () => this.newProcess('shared'));

  /** A fresh process hosted by host-pc, for cells that heartbeat or stop one. */
  async newProcess(name: string): Promise<Process> {
    const host = await this.host();
    return (await host.client.registerProcess(await this.gridId(), { name, kind: 'http', ports: [{ port: 8080, protocol: 'tcp' }] })).process;
  }

  /** A fresh invite made by the owner. */
  async newInvite(): Promise<string> {
    const owner = await this.owner();
    return (await owner.client.createInvite(await this.gridId(), { maxUses: 1 })).invite.code;
  }

  /** A fresh user brought into the grid with `role`, to be the target of a removal or role change. */
  async newMember(role: Role): Promise<TestUser> {
    const u = await signup(this.t, `target_${role}`, 'target-pc');
    await addMember(await this.owner(), await this.gridId(), u, role);
    return u;
  }

  /** The grid's members, as the owner sees them. */
  async members(): Promise<GridDetailResponse['members']> {
    return (await (await this.owner()).client.getGrid(await this.gridId())).members;
  }
}

// ---------------------------------------------------------------------------
// Expectations

/** A success status, or an error status with the error code that must come with it. */
type Expect = number | readonly [number, ErrorCode];
type Expectations = Record<Who, Expect>;

const U = [401, 'unauthorized'] as const;
const DNF = [404, 'device_not_found'] as const;
const NF = [404, 'grid_not_found'] as const;
const F = [403, 'forbidden'] as const;
const TRANSFER = [409, 'owner_must_transfer'] as const;
const CNF = [404, 'connection_not_found'] as const;
const V = [400, 'validation_failed'] as const;
/** The events socket (or agent link) upgraded. */
const OPEN = 101;

const describeExpect = (e: Expect) => (typeof e === 'number' ? `${e}` : `${e[0]} ${e[1]}`);

// ---------------------------------------------------------------------------
// Requests

interface Answer {
  status: number;
  body: unknown;
}
interface Outcome extends Answer {
  /** Checks the state after the request; `allowed` is whether the expectation was a success. */
  verify?: (allowed: boolean) => Promise<void> | void;
}

interface Cx {
  t: TestCoordinator;
  cast: Cast;
  me: Principal;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function http(t: TestCoordinator, token: string | undefined, method: Method, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}${API_PREFIX}${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text: the assertion message shows it
  }
  return { status: res.status, body: parsed };
}

/** GET /grids/:gridId/events as the principal: 101 with the snapshot when it opens, else the HTTP refusal. */
async function events(cx: Cx): Promise<Outcome> {
  const url = cx.t.anon.eventsUrl(await cx.cast.gridId());
  let sock;
  try {
    sock = await openEvents(url, cx.me.token);
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    const refusal = await refusedUpgrade(url, cx.me.token);
    assert.equal(refusal.status, status, 'the same refusal twice');
    return refusal;
  }
  try {
    const snapshot = (await sock.next((e) => e.type === 'snapshot')) as SnapshotEvent;
    return {
      status: OPEN,
      body: snapshot,
      verify: async () => {
        const shared = await cx.cast.process();
        assert.ok(snapshot.processes.some((p) => p.id === shared.id), 'the snapshot lists the grid’s processes');
        assert.ok(
          snapshot.members.some((m) => m.userId === cx.me.user!.user.id && m.role === ROLE[cx.me.who]),
          'the snapshot lists the caller with their role',
        );
      },
    };
  } finally {
    sock.close();
    await sock.closed;
  }
}

const userId = (p: Principal) => p.user!.user.id;
const deviceId = (p: Principal) => p.user!.device.id;

// ---------------------------------------------------------------------------
// The table

interface Row {
  /** Method and path, as the API documents them. */
  endpoint: string;
  /** What is special about this row's target, when the endpoint has several rows. */
  variant?: string;
  /** A whole new cast per cell (the cell may change who is in the grid). */
  fresh?: boolean;
  expect: Expectations;
  run(cx: Cx): Promise<Outcome>;
}

const ROWS: Row[] = [
  // ------------------------------------------------------------ accounts
  {
    endpoint: 'POST /auth/logout',
    // Each cell logs a brand-new device out, so no other cell loses its token.
    fresh: true,
    expect: { anon: U, revoked: U, nonMember: 204, member: 204, memberLaptop: 204, admin: 204, owner: 204, host: 204, hostLaptop: 204 },
    async run({ t, cast, me }) {
      const answer = await http(t, me.token, 'POST', '/auth/logout');
      return {
        ...answer,
        verify: async (allowed) => {
          if (!allowed) return;
          const again = await http(t, me.token, 'GET', '/me');
          assert.equal(again.status, 401, 'the token is dead after logout');
          assert.equal(errorCode(again.body), 'unauthorized');
          // Only this device's token is revoked: the same user's other device still works.
          const sibling = me.who === 'memberLaptop' ? await cast.member() : me.who === 'hostLaptop' ? await cast.host() : undefined;
          if (sibling) assert.equal((await http(t, sibling.token, 'GET', '/me')).status, 200, "the user's other device still works");
        },
      };
    },
  },
  {
    endpoint: 'GET /me',
    expect: { anon: U, revoked: U, nonMember: 200, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, me }) {
      const answer = await http(t, me.token, 'GET', '/me');
      return {
        ...answer,
        verify: (allowed) => {
          if (!allowed) return;
          const body = answer.body as MeResponse;
          assert.equal(body.user.id, userId(me));
          assert.equal(body.device.id, deviceId(me), 'the device of this very token');
        },
      };
    },
  },
  {
    endpoint: 'GET /devices',
    variant: 'only my own devices',
    expect: { anon: U, revoked: U, nonMember: 200, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, me }) {
      const answer = await http(t, me.token, 'GET', '/devices');
      return {
        ...answer,
        verify: (allowed) => {
          if (!allowed) return;
          const { devices } = answer.body as DeviceListResponse;
          assert.ok(devices.some((d) => d.id === deviceId(me) && d.current), 'this device, marked current');
          assert.ok(devices.every((d) => d.current === (d.id === deviceId(me))));
        },
      };
    },
  },
  {
    endpoint: 'DELETE /devices/:deviceId',
    variant: "a fresh device of the owner's: only the owner may log it out",
    expect: { anon: U, revoked: U, nonMember: DNF, member: DNF, memberLaptop: DNF, admin: DNF, owner: 204, host: DNF, hostLaptop: DNF },
    async run({ t, cast, me }) {
      const target = await secondDevice(t, await cast.owner(), 'owner-spare');
      const answer = await http(t, me.token, 'DELETE', `/devices/${target.device.id}`);
      return {
        ...answer,
        verify: async (allowed) => {
          const still = await target.client.me().then(() => true, () => false);
          assert.equal(still, !allowed, allowed ? 'its token is revoked' : 'nothing changed for the target');
        },
      };
    },
  },

  // ------------------------------------------------------------ grids
  {
    endpoint: 'POST /grids',
    expect: { anon: U, revoked: U, nonMember: 201, member: 201, memberLaptop: 201, admin: 201, owner: 201, host: 201, hostLaptop: 201 },
    async run({ t, me }) {
      const answer = await http(t, me.token, 'POST', '/grids', { name: `grid of ${me.who}` });
      return {
        ...answer,
        verify: (allowed) => {
          if (allowed) assert.equal((answer.body as GridResponse).grid.createdBy, userId(me));
        },
      };
    },
  },
  {
    endpoint: 'GET /grids',
    expect: { anon: U, revoked: U, nonMember: 200, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const answer = await http(t, me.token, 'GET', '/grids');
      const gridId = await cast.gridId();
      return {
        ...answer,
        verify: (allowed) => {
          if (!allowed) return;
          const listed = (answer.body as GridListResponse).grids.find((g) => g.id === gridId);
          if (me.who === 'nonMember') assert.equal(listed, undefined, 'a non-member does not see the grid');
          else assert.equal(listed?.role, ROLE[me.who], 'listed with the caller’s role');
        },
      };
    },
  },
  {
    endpoint: 'GET /grids/:gridId',
    expect: { anon: U, revoked: U, nonMember: NF, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const answer = await http(t, me.token, 'GET', `/grids/${gridId}`);
      return {
        ...answer,
        verify: (allowed) => {
          if (!allowed) return;
          const body = answer.body as GridDetailResponse;
          assert.equal(body.grid.id, gridId);
          assert.ok(body.members.some((m) => m.userId === userId(me) && m.role === ROLE[me.who]));
        },
      };
    },
  },

  // ------------------------------------------------------------ invites
  {
    endpoint: 'POST /grids/:gridId/invites',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 201, owner: 201, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const answer = await http(t, me.token, 'POST', `/grids/${gridId}/invites`, { maxUses: 5 });
      return {
        ...answer,
        verify: (allowed) => {
          if (allowed) assert.equal((answer.body as InviteResponse).invite.createdBy, userId(me));
        },
      };
    },
  },
  {
    endpoint: 'GET /grids/:gridId/invites',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 200, owner: 200, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const code = await cast.newInvite();
      const answer = await http(t, me.token, 'GET', `/grids/${gridId}/invites`);
      return {
        ...answer,
        verify: (allowed) => {
          if (allowed) assert.ok((answer.body as InviteListResponse).invites.some((i) => i.code === code));
        },
      };
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/invites/:code',
    variant: 'a fresh invite of the owner',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 204, owner: 204, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const code = await cast.newInvite();
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/invites/${code}`);
      return {
        ...answer,
        verify: async (allowed) => {
          const owner = await cast.owner();
          const invite = (await owner.client.listInvites(gridId)).invites.find((i) => i.code === code);
          assert.equal(invite?.revoked, allowed, allowed ? 'the invite is revoked' : 'the invite is untouched');
        },
      };
    },
  },
  {
    endpoint: 'POST /grids/join',
    // A non-member who joins becomes a member: a new cast per cell.
    variant: 'a fresh one-use invite',
    fresh: true,
    // Members already in the grid succeed without using the invite up.
    expect: { anon: U, revoked: U, nonMember: 200, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const code = await cast.newInvite();
      const answer = await http(t, me.token, 'POST', '/grids/join', { code });
      return {
        ...answer,
        verify: async (allowed) => {
          if (allowed) assert.equal((answer.body as GridResponse).grid.id, gridId);
          const owner = await cast.owner();
          const invite = (await owner.client.listInvites(gridId)).invites.find((i) => i.code === code);
          const joined = allowed && me.who === 'nonMember';
          assert.equal(invite?.uses, joined ? 1 : 0, joined ? 'the invite was used once' : 'the invite was not used');
          if (joined) {
            const member = (await cast.members()).find((m) => m.userId === userId(me));
            assert.equal(member?.role, 'member', 'joined as a plain member');
          }
        },
      };
    },
  },

  // ------------------------------------------------------------ members
  {
    endpoint: 'DELETE /grids/:gridId/members/:userId',
    variant: 'target: a plain member',
    // owner/admin may remove a plain member; a member may remove only themselves.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 204, owner: 204, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const target = await cast.newMember('member');
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/members/${target.user.id}`);
      return {
        ...answer,
        verify: async (allowed) => {
          const still = (await cast.members()).some((m) => m.userId === target.user.id);
          assert.equal(still, !allowed, allowed ? 'the member is gone' : 'the member is still there');
          if (allowed) {
            const seen = await http(t, target.token, 'GET', `/grids/${gridId}`);
            assert.equal(seen.status, 404, 'a removed member no longer sees the grid');
          }
        },
      };
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/members/:userId',
    variant: 'target: another admin',
    // An admin removes plain members only.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: F, owner: 204, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const target = await cast.newMember('admin');
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/members/${target.user.id}`);
      return {
        ...answer,
        verify: async (allowed) => {
          const still = (await cast.members()).find((m) => m.userId === target.user.id);
          if (allowed) assert.equal(still, undefined, 'the admin is gone');
          else assert.equal(still?.role, 'admin', 'the admin is still there, still admin');
        },
      };
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/members/:userId',
    variant: 'target: the owner',
    // A wrong success here would wreck the grid: a new cast per cell.
    fresh: true,
    // Nobody removes the owner; the owner leaving a grid with other members must hand ownership over first.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: F, owner: TRANSFER, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const owner = await cast.owner();
      // Someone besides the owner is always in the grid, whoever calls.
      await cast.member();
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/members/${owner.user.id}`);
      return {
        ...answer,
        verify: async () => {
          const m = (await cast.members()).find((x) => x.userId === owner.user.id);
          assert.equal(m?.role, 'owner', 'the owner is still the owner');
        },
      };
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/members/:userId',
    variant: 'target: yourself (leave)',
    // Leaving changes the grid: a new cast per cell. anon targets mia; revoked targets the owner (its user).
    fresh: true,
    expect: { anon: U, revoked: U, nonMember: NF, member: 204, memberLaptop: 204, admin: 204, owner: TRANSFER, host: 204, hostLaptop: 204 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      await cast.member(); // the grid always has a second member, so the owner is not its last one
      const self = me.user?.user.id ?? (await cast.member()).user.id;
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/members/${self}`);
      return {
        ...answer,
        verify: async (allowed) => {
          const still = (await cast.members()).find((m) => m.userId === self);
          if (allowed) {
            assert.equal(still, undefined, 'the caller left');
            const seen = await http(t, me.token, 'GET', `/grids/${gridId}`);
            assert.equal(seen.status, 404, 'after leaving, the grid is not found');
          } else if (me.who !== 'nonMember') {
            assert.ok(still, 'still a member');
          }
        },
      };
    },
  },
  {
    endpoint: 'PATCH /grids/:gridId/members/:userId',
    variant: 'promote a plain member to admin',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: F, owner: 200, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const target = await cast.newMember('member');
      const answer = await http(t, me.token, 'PATCH', `/grids/${gridId}/members/${target.user.id}`, { role: 'admin' });
      return {
        ...answer,
        verify: async (allowed) => {
          if (allowed) assert.equal((answer.body as MemberResponse).member.role, 'admin');
          const m = (await cast.members()).find((x) => x.userId === target.user.id);
          assert.equal(m?.role, allowed ? 'admin' : 'member');
        },
      };
    },
  },
  {
    endpoint: 'PATCH /grids/:gridId/members/:userId',
    variant: 'make yourself owner',
    // A wrong success would hand the grid over: a new cast per cell. anon targets mia; revoked targets the owner.
    fresh: true,
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: F, owner: TRANSFER, host: F, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const self = me.user?.user.id ?? (await cast.member()).user.id;
      const answer = await http(t, me.token, 'PATCH', `/grids/${gridId}/members/${self}`, { role: 'owner' });
      return {
        ...answer,
        verify: async () => {
          const members = await cast.members();
          const owners = members.filter((m) => m.role === 'owner').map((m) => m.userId);
          assert.deepEqual(owners, [(await cast.owner()).user.id], 'ownership did not move');
          const mine = ROLE[me.who];
          if (mine) assert.equal(members.find((m) => m.userId === self)?.role, mine, 'the caller’s role did not change');
        },
      };
    },
  },

  // ------------------------------------------------------------ processes
  {
    endpoint: 'POST /grids/:gridId/processes',
    // Any member registers processes; they are hosted by the calling device.
    expect: { anon: U, revoked: U, nonMember: NF, member: 201, memberLaptop: 201, admin: 201, owner: 201, host: 201, hostLaptop: 201 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const answer = await http(t, me.token, 'POST', `/grids/${gridId}/processes`, { name: `by ${me.who}` });
      return {
        ...answer,
        verify: (allowed) => {
          if (!allowed) return;
          const p = (answer.body as ProcessResponse).process;
          assert.equal(p.hostUserId, userId(me));
          assert.equal(p.hostDeviceId, deviceId(me), 'hosted by the calling device');
        },
      };
    },
  },
  {
    endpoint: 'POST /grids/:gridId/processes/:processId/heartbeat',
    variant: 'a fresh process hosted by host-pc',
    // Only the hosting DEVICE heartbeats: not the host user's other device, not the owner or an admin.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: F, owner: F, host: 200, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const p = await cast.newProcess(`hb ${me.who}`);
      const answer = await http(t, me.token, 'POST', `/grids/${gridId}/processes/${p.id}/heartbeat`, { health: { alive: true } });
      return {
        ...answer,
        verify: (allowed) => {
          if (allowed) {
            assert.deepEqual(answer.body as HeartbeatResponse, {
              status: 'online',
              heartbeatIntervalMs: t.config.heartbeatIntervalMs,
              staleAfterMs: t.config.staleAfterMs,
            });
          }
        },
      };
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/processes/:processId',
    variant: 'a fresh process hosted by host-pc',
    // The host device unregisters; the owner and admins force-stop; nobody else.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 200, owner: 200, host: 200, hostLaptop: F },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const p = await cast.newProcess(`stop ${me.who}`);
      const answer = await http(t, me.token, 'DELETE', `/grids/${gridId}/processes/${p.id}`, { reason: 'exited', exitCode: 0 });
      return {
        ...answer,
        verify: async (allowed) => {
          const owner = await cast.owner();
          const now = (await owner.client.getProcess(gridId, p.id)).process;
          if (!allowed) {
            assert.notEqual(now.status, 'stopped', 'the process was not stopped');
            return;
          }
          assert.equal(now.status, 'stopped');
          if (me.who === 'host') {
            assert.equal(now.stopReason, 'exited', 'the host gives its own reason');
            assert.equal(now.exitCode, 0);
          } else {
            assert.equal(now.stopReason, 'force_stopped', 'anyone else force-stops, whatever reason they send');
            assert.equal(now.exitCode, null);
          }
        },
      };
    },
  },
  {
    endpoint: 'GET /grids/:gridId/processes',
    expect: { anon: U, revoked: U, nonMember: NF, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const shared = await cast.process();
      const answer = await http(t, me.token, 'GET', `/grids/${gridId}/processes`);
      return {
        ...answer,
        verify: (allowed) => {
          if (allowed) assert.ok((answer.body as ProcessListResponse).processes.some((p) => p.id === shared.id));
        },
      };
    },
  },
  {
    endpoint: 'GET /grids/:gridId/processes/:processId',
    expect: { anon: U, revoked: U, nonMember: NF, member: 200, memberLaptop: 200, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const gridId = await cast.gridId();
      const shared = await cast.process();
      const answer = await http(t, me.token, 'GET', `/grids/${gridId}/processes/${shared.id}`);
      return {
        ...answer,
        verify: async (allowed) => {
          if (!allowed) return;
          const p = (answer.body as ProcessResponse).process;
          assert.equal(p.id, shared.id);
          assert.equal(p.hostDeviceId, (await cast.host()).device.id);
        },
      };
    },
  },

  // ------------------------------------------------------------ connections through the relay
  {
    endpoint: 'GET /grids/:gridId/processes/:processId/connections',
    // The host user (any device) and owners/admins see who connects; other members do not.
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const shared = await cast.process();
      return http(t, me.token, 'GET', `/grids/${await cast.gridId()}/processes/${shared.id}/connections`);
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/processes/:processId/connections',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: 200, owner: 200, host: 200, hostLaptop: 200 },
    async run({ t, cast, me }) {
      const shared = await cast.process();
      return http(t, me.token, 'DELETE', `/grids/${await cast.gridId()}/processes/${shared.id}/connections`);
    },
  },
  {
    endpoint: 'DELETE /grids/:gridId/processes/:processId/connections/:connectionId',
    variant: 'an unknown connection: the allowed get as far as connection_not_found',
    expect: { anon: U, revoked: U, nonMember: NF, member: F, memberLaptop: F, admin: CNF, owner: CNF, host: CNF, hostLaptop: CNF },
    async run({ t, cast, me }) {
      const shared = await cast.process();
      return http(t, me.token, 'DELETE', `/grids/${await cast.gridId()}/processes/${shared.id}/connections/00000000-0000-4000-8000-000000000000`);
    },
  },
  {
    endpoint: 'GET /agent/link',
    variant: 'WebSocket; any signed-in device',
    expect: { anon: U, revoked: U, nonMember: OPEN, member: OPEN, memberLaptop: OPEN, admin: OPEN, owner: OPEN, host: OPEN, hostLaptop: OPEN },
    async run({ t, me }) {
      try {
        const link = await openLink(t.url, me.token);
        link.close();
        return { status: OPEN, body: link.welcome };
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status === undefined) throw err;
        return refusedUpgrade(t.anon.linkUrl(), me.token);
      }
    },
  },

  {
    endpoint: 'GET /cluster/link',
    variant: "WebSocket; only another coordinator, with this one's secret from the database — never a user's token",
    expect: { anon: U, revoked: U, nonMember: U, member: U, memberLaptop: U, admin: U, owner: U, host: U, hostLaptop: U },
    run: ({ t, me }) => refusedUpgrade(`${t.url.replace(/^http/, 'ws')}${API_PREFIX}/cluster/link`, me.token),
  },

  // ------------------------------------------------------------ events (WebSocket)
  {
    endpoint: 'GET /grids/:gridId/events',
    variant: 'WebSocket, token in the Authorization header',
    expect: { anon: U, revoked: U, nonMember: NF, member: OPEN, memberLaptop: OPEN, admin: OPEN, owner: OPEN, host: OPEN, hostLaptop: OPEN },
    run: (cx) => events(cx),
  },
  {
    endpoint: 'GET /grids/:gridId/events',
    variant: 'WebSocket, token in ?token= — refused for everyone before it is looked at (URLs end up in logs)',
    expect: { anon: V, revoked: V, nonMember: V, member: V, memberLaptop: V, admin: V, owner: V, host: V, hostLaptop: V },
    async run({ t, cast, me }) {
      const url = new URL(t.anon.eventsUrl(await cast.gridId()));
      url.searchParams.set('token', me.token ?? 'gst_not-a-token');
      return refusedUpgrade(url.toString(), undefined);
    },
  },
];

function errorCode(body: unknown): unknown {
  return (body as { error?: { code?: unknown } } | undefined)?.error?.code;
}

// ---------------------------------------------------------------------------
// One test per (row, principal), on each engine

describeEachEngine('authorization matrix', (engine) => {
  let t: TestCoordinator;
  let shared: Cast;

  before(async () => {
    t = await startTestCoordinator(engine);
    shared = new Cast(t);
    await Promise.all(WHO.filter((w) => w !== 'anon').map((w) => shared.principal(w)));
    await shared.process();
  });
  after(() => t.close());

  for (const row of ROWS) {
    for (const who of WHO) {
      const expected = row.expect[who];
      const name = `${row.endpoint}${row.variant ? ` [${row.variant}]` : ''} · ${LABEL[who]} → ${describeExpect(expected)}`;
      test(name, async () => {
        const cast = row.fresh ? new Cast(t) : shared;
        const me = await cast.principal(who);
        const outcome = await row.run({ t, cast, me });
        const shown = JSON.stringify(outcome.body);
        if (typeof expected === 'number') {
          assert.equal(outcome.status, expected, `expected ${expected}, got ${outcome.status} ${shown}`);
          assert.equal(errorCode(outcome.body), undefined, `a success carries no error: ${shown}`);
        } else {
          const [status, code] = expected;
          assert.equal(outcome.status, status, `expected ${status} ${code}, got ${outcome.status} ${shown}`);
          assert.equal(errorCode(outcome.body), code, `expected error code ${code}: ${shown}`);
        }
        await outcome.verify?.(typeof expected === 'number');
      });
    }
  }
});
