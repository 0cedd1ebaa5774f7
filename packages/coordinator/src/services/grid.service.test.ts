import {
  ApiError,
  CLOSE_CODES,
  type GridEvent,
  type GridResponse,
  INVITE_ALPHABET,
  type InviteResponse,
  type MemberEvent,
} from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../testing/engines.js';
import { openEvents, type EventsSocket } from '../testing/events-socket.js';
import { addMember, eventually, secondDevice, signup, startTestCoordinator, type TestCoordinator, type TestUser } from '../testing/harness.js';

const rejects = (p: Promise<unknown>, status: number, code: string) =>
  assert.rejects(p, (e: unknown) => {
    if (!(e instanceof ApiError)) throw e;
    assert.equal(`${e.status} ${e.code}`, `${status} ${code}`);
    return true;
  });

const SYMBOL = `[${INVITE_ALPHABET}]`;
const CODE_SHAPE = new RegExp(`^${SYMBOL}{5}-${SYMBOL}{5}$`);

/** A raw request, for status codes the typed client does not show. */
async function call(t: TestCoordinator, method: string, path: string, token: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}/api/v1${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const isMember = (change: MemberEvent['change'], userId: string) => (e: GridEvent) =>
  e.type === 'member' && e.change === change && e.member.userId === userId;

describeEachEngine('grids, invites and members', (engine) => {
  let t: TestCoordinator;
  const sockets: EventsSocket[] = [];
  /** An events socket on a grid that has had its snapshot (so it is subscribed). */
  const events = async (u: TestUser, gridId: string) => {
    const s = await openEvents(u.client.eventsUrl(gridId), u.token);
    sockets.push(s);
    await s.next((e) => e.type === 'snapshot');
    return s;
  };
  /** A fresh grid owned by a fresh user. */
  const newGrid = async (name = 'grid') => {
    const owner = await signup(t, 'owner');
    const gridId = (await owner.client.createGrid({ name })).grid.id;
    return { owner, gridId };
  };
  const inviteUses = async (code: string) => {
    const [r] = await t.db.query<{ uses: number }>('SELECT uses FROM grid_invites WHERE code = $1', [code.replace('-', '')]);
    assert.ok(r, `invite ${code} is stored`);
    return r.uses;
  };

  before(async () => {
    t = await startTestCoordinator(engine);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  test('create → 201; the creator is its owner', async () => {
    const alice = await signup(t, 'alice');
    const res = await call(t, 'POST', '/grids', alice.token, { name: '  friends ' });
    assert.equal(res.status, 201);
    const { grid } = res.json as GridResponse;
    assert.deepEqual(Object.keys(grid).sort(), ['createdAt', 'createdBy', 'id', 'name']);
    assert.equal(grid.name, 'friends');
    assert.equal(grid.createdBy, alice.user.id);
    const detail = await alice.client.getGrid(grid.id);
    assert.deepEqual(detail.grid, grid);
    assert.equal(detail.members.length, 1);
    assert.equal(detail.members[0]?.userId, alice.user.id);
    assert.equal(detail.members[0]?.role, 'owner');
  });

  test('GET /grids lists only the caller’s grids, with role and memberCount', async () => {
    const alice = await signup(t, 'alice');
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    const a1 = (await alice.client.createGrid({ name: 'a1' })).grid;
    const a2 = (await alice.client.createGrid({ name: 'a2' })).grid;
    const b1 = (await bob.client.createGrid({ name: 'b1' })).grid;
    await addMember(alice, a1.id, bob);
    await addMember(alice, a1.id, carol, 'admin');

    const mine = (await alice.client.listGrids()).grids;
    assert.deepEqual(
      mine.map((g) => [g.id, g.name, g.role, g.memberCount]).sort(),
      [
        [a1.id, 'a1', 'owner', 3],
        [a2.id, 'a2', 'owner', 1],
      ].sort(),
    );
    const one = mine.find((g) => g.id === a1.id);
    assert.deepEqual(Object.keys(one!).sort(), ['createdAt', 'createdBy', 'id', 'memberCount', 'name', 'role']);
    assert.equal(one!.createdBy, alice.user.id);

    const bobs = (await bob.client.listGrids()).grids;
    assert.deepEqual(
      bobs.map((g) => [g.id, g.role, g.memberCount]).sort(),
      [
        [a1.id, 'member', 3],
        [b1.id, 'owner', 1],
      ].sort(),
    );
    assert.deepEqual(
      (await carol.client.listGrids()).grids.map((g) => [g.id, g.role, g.memberCount]),
      [[a1.id, 'admin', 3]],
    );
    const dave = await signup(t, 'dave');
    assert.deepEqual((await dave.client.listGrids()).grids, []);
  });

  test('GET /grids/:id → the grid and its members; a non-member or unknown grid is 404 grid_not_found', async () => {
    const { owner, gridId } = await newGrid('detail');
    const bob = await signup(t, 'bob');
    await addMember(owner, gridId, bob, 'admin');
    const detail = await bob.client.getGrid(gridId);
    assert.equal(detail.grid.id, gridId);
    assert.equal(detail.members.length, 2);
    for (const m of detail.members) {
      assert.deepEqual(Object.keys(m).sort(), ['joinedAt', 'role', 'userId', 'username']);
      assert.ok(!Number.isNaN(Date.parse(m.joinedAt)));
    }
    const byId = new Map(detail.members.map((m) => [m.userId, m]));
    assert.deepEqual(
      { username: byId.get(owner.user.id)?.username, role: byId.get(owner.user.id)?.role },
      { username: owner.user.username, role: 'owner' },
    );
    assert.deepEqual(
      { username: byId.get(bob.user.id)?.username, role: byId.get(bob.user.id)?.role },
      { username: bob.user.username, role: 'admin' },
    );
    const stranger = await signup(t, 'stranger');
    await rejects(stranger.client.getGrid(gridId), 404, 'grid_not_found');
    await rejects(owner.client.getGrid(randomUUID()), 404, 'grid_not_found');
  });

  test('invites: owner and admin create (201, code XXXXX-XXXXX) and list; a member may not', async () => {
    const { owner, gridId } = await newGrid('invites');
    const admin = await signup(t, 'admin');
    const member = await signup(t, 'member');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, member);

    const res = await call(t, 'POST', `/grids/${gridId}/invites`, owner.token, { expiresInSeconds: 3600, maxUses: 5 });
    assert.equal(res.status, 201);
    const { invite } = res.json as InviteResponse;
    assert.match(invite.code, CODE_SHAPE);
    assert.equal(invite.maxUses, 5);
    assert.equal(invite.uses, 0);
    assert.equal(invite.revoked, false);
    assert.equal(invite.createdBy, owner.user.id);
    assert.ok(invite.expiresAt);
    const inMs = Date.parse(invite.expiresAt) - Date.now();
    assert.ok(inMs > 3_500_000 && inMs < 3_700_000, `expires in about an hour, got ${inMs} ms`);

    const open = (await admin.client.createInvite(gridId)).invite;
    assert.match(open.code, CODE_SHAPE);
    assert.equal(open.expiresAt, null);
    assert.equal(open.maxUses, null);
    assert.equal(open.createdBy, admin.user.id);
    assert.notEqual(open.code, invite.code);

    await rejects(member.client.createInvite(gridId), 403, 'forbidden');
    await rejects(member.client.listInvites(gridId), 403, 'forbidden');
    const stranger = await signup(t, 'stranger');
    await rejects(stranger.client.createInvite(gridId), 404, 'grid_not_found');
    await rejects(stranger.client.listInvites(gridId), 404, 'grid_not_found');

    for (const who of [owner, admin]) {
      const { invites } = await who.client.listInvites(gridId);
      // Older invites of the grid come from addMember; ours are there, shaped the same.
      const listed = new Map(invites.map((i) => [i.code, i]));
      assert.deepEqual(listed.get(invite.code), invite);
      assert.deepEqual(listed.get(open.code), open);
      for (const i of invites) assert.match(i.code, CODE_SHAPE);
    }
    // Invalid requests.
    await rejects(owner.client.createInvite(gridId, { expiresInSeconds: 10 }), 400, 'validation_failed');
    await rejects(owner.client.createInvite(gridId, { maxUses: 0 }), 400, 'validation_failed');
  });

  test('join works with the code in any case and without the dash; uses count up', async () => {
    const { owner, gridId } = await newGrid('join');
    const { invite } = await owner.client.createInvite(gridId);
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    const dave = await signup(t, 'dave');

    const res = await call(t, 'POST', '/grids/join', bob.token, { code: invite.code.toLowerCase() });
    assert.equal(res.status, 200);
    assert.equal((res.json as GridResponse).grid.id, gridId);
    const noDash = invite.code.replace('-', '');
    assert.equal((await carol.client.join(noDash.toLowerCase())).grid.id, gridId);
    const mixed = [...invite.code].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
    assert.equal((await dave.client.join(mixed)).grid.id, gridId);
    assert.equal(await inviteUses(invite.code), 3);
    assert.equal((await owner.client.listInvites(gridId)).invites.find((i) => i.code === invite.code)?.uses, 3);
    const roles = (await owner.client.getGrid(gridId)).members.map((m) => [m.userId, m.role]).sort();
    assert.deepEqual(
      roles,
      [
        [owner.user.id, 'owner'],
        [bob.user.id, 'member'],
        [carol.user.id, 'member'],
        [dave.user.id, 'member'],
      ].sort(),
    );
  });

  test('an unknown code is 404 invite_not_found', async () => {
    const bob = await signup(t, 'bob');
    await rejects(bob.client.join('ZZZZZ-ZZZZZ'), 404, 'invite_not_found');
    await rejects(bob.client.join('zzzzz22222'), 404, 'invite_not_found');
    await rejects(bob.client.join('not a code'), 400, 'validation_failed');
  });

  test('an expired invite is 410 invite_expired', async () => {
    const { owner, gridId } = await newGrid('expired');
    const { invite } = await owner.client.createInvite(gridId, { expiresInSeconds: 60 });
    const bob = await signup(t, 'bob');
    // Move the deadline into the past: a real database state.
    await t.db.query("UPDATE grid_invites SET expires_at = now() - interval '1 second' WHERE code = $1", [invite.code.replace('-', '')]);
    await rejects(bob.client.join(invite.code), 410, 'invite_expired');
    await rejects(bob.client.getGrid(gridId), 404, 'grid_not_found');
    assert.equal(await inviteUses(invite.code), 0);
  });

  test('a used-up invite is 410 invite_used_up', async () => {
    const { owner, gridId } = await newGrid('used up');
    const { invite } = await owner.client.createInvite(gridId, { maxUses: 1 });
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    await bob.client.join(invite.code);
    await rejects(carol.client.join(invite.code), 410, 'invite_used_up');
    await rejects(carol.client.getGrid(gridId), 404, 'grid_not_found');
    assert.equal(await inviteUses(invite.code), 1);
  });

  test('a revoked invite (DELETE → 204) is 410 invite_revoked', async () => {
    const { owner, gridId } = await newGrid('revoked');
    const admin = await signup(t, 'admin');
    const member = await signup(t, 'member');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, member);
    const { invite } = await owner.client.createInvite(gridId);
    const other = (await owner.client.createInvite(gridId)).invite;

    await rejects(member.client.revokeInvite(gridId, invite.code), 403, 'forbidden');
    const res = await call(t, 'DELETE', `/grids/${gridId}/invites/${invite.code}`, owner.token);
    assert.equal(res.status, 204);
    // An admin revokes too, with the code in any case and without the dash.
    assert.equal((await call(t, 'DELETE', `/grids/${gridId}/invites/${other.code.replace('-', '').toLowerCase()}`, admin.token)).status, 204);

    const bob = await signup(t, 'bob');
    await rejects(bob.client.join(invite.code), 410, 'invite_revoked');
    await rejects(bob.client.join(other.code), 410, 'invite_revoked');
    await rejects(bob.client.getGrid(gridId), 404, 'grid_not_found');
    const listed = (await owner.client.listInvites(gridId)).invites.find((i) => i.code === invite.code);
    assert.equal(listed?.revoked, true);
    await rejects(owner.client.revokeInvite(gridId, 'ZZZZZ-ZZZZZ'), 404, 'invite_not_found');
    // An invite of another grid is not found through this one.
    const elsewhere = await newGrid('elsewhere');
    const foreign = (await elsewhere.owner.client.createInvite(elsewhere.gridId)).invite;
    await rejects(owner.client.revokeInvite(gridId, foreign.code), 404, 'invite_not_found');
  });

  test('joining a grid you are already in → 200, and the invite is not used up', async () => {
    const { owner, gridId } = await newGrid('already');
    const bob = await signup(t, 'bob');
    await addMember(owner, gridId, bob);
    const { invite } = await owner.client.createInvite(gridId, { maxUses: 1 });

    for (const who of [owner, bob]) {
      const res = await call(t, 'POST', '/grids/join', who.token, { code: invite.code });
      assert.equal(res.status, 200);
      assert.equal((res.json as GridResponse).grid.id, gridId);
    }
    assert.equal(await inviteUses(invite.code), 0);
    // The single use is still there for a newcomer.
    const carol = await signup(t, 'carol');
    await carol.client.join(invite.code);
    assert.equal(await inviteUses(invite.code), 1);
    // Roles are untouched by a repeated join.
    const roles = new Map((await owner.client.getGrid(gridId)).members.map((m) => [m.userId, m.role]));
    assert.equal(roles.get(owner.user.id), 'owner');
    assert.equal(roles.get(bob.user.id), 'member');
    assert.equal(roles.size, 3);
  });

  test('racing joins for the last use of an invite: exactly one gets in, the rest are 410 invite_used_up', async () => {
    const { owner, gridId } = await newGrid('race');
    const { invite } = await owner.client.createInvite(gridId, { maxUses: 1 });
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => signup(t, 'racer')));
    const results = await Promise.allSettled(users.map((u) => u.client.join(invite.code)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1, 'one join succeeds');
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof ApiError);
        assert.equal(`${r.reason.status} ${r.reason.code}`, '410 invite_used_up');
      }
    }
    assert.equal(await inviteUses(invite.code), 1);
    assert.equal((await owner.client.getGrid(gridId)).members.length, 2);
  });

  test('one user joining with several invites at once is one membership and uses one invite once', async () => {
    // Several rounds: the joins must overlap inside the database for the race to show.
    for (let round = 0; round < 5; round++) {
      const { owner, gridId } = await newGrid(`same user race ${round}`);
      const invites = await Promise.all([1, 2, 3].map(() => owner.client.createInvite(gridId, { maxUses: 1 })));
      const ownerSock = await events(owner, gridId);
      const from = ownerSock.events.length;
      const bob = await signup(t, 'bob');
      const results = await Promise.all(invites.map(({ invite }) => bob.client.join(invite.code)));
      for (const r of results) assert.equal(r.grid.id, gridId, 'every join answers 200 with the grid');

      let used = 0;
      for (const { invite } of invites) used += await inviteUses(invite.code);
      assert.equal(used, 1, `round ${round}: a repeated join must not use an invite up`);
      assert.equal((await owner.client.getGrid(gridId)).members.length, 2);
      // Settle: a later event proves every earlier one has been delivered.
      await owner.client.updateMember(gridId, bob.user.id, { role: 'admin' });
      await ownerSock.next(isMember('role_changed', bob.user.id), 10_000, from);
      const joined = ownerSock.events.slice(from).filter(isMember('joined', bob.user.id));
      assert.equal(joined.length, 1, `round ${round}: one joined event`);
      ownerSock.close();
    }
  });

  test('a member leaves → 204; the grid is gone from their list', async () => {
    const { owner, gridId } = await newGrid('leave');
    const bob = await signup(t, 'bob');
    await addMember(owner, gridId, bob);
    const res = await call(t, 'DELETE', `/grids/${gridId}/members/${bob.user.id}`, bob.token);
    assert.equal(res.status, 204);
    assert.deepEqual((await bob.client.listGrids()).grids, []);
    await rejects(bob.client.getGrid(gridId), 404, 'grid_not_found');
    assert.deepEqual((await owner.client.getGrid(gridId)).members.map((m) => m.userId), [owner.user.id]);
    // An admin may leave too.
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, carol, 'admin');
    await carol.client.removeMember(gridId, carol.user.id);
    await rejects(carol.client.getGrid(gridId), 404, 'grid_not_found');
  });

  test('owner and admin remove a member → 204', async () => {
    const { owner, gridId } = await newGrid('remove');
    const admin = await signup(t, 'admin');
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, bob);
    await addMember(owner, gridId, carol);

    assert.equal((await call(t, 'DELETE', `/grids/${gridId}/members/${bob.user.id}`, owner.token)).status, 204);
    assert.equal((await call(t, 'DELETE', `/grids/${gridId}/members/${carol.user.id}`, admin.token)).status, 204);
    await rejects(bob.client.getGrid(gridId), 404, 'grid_not_found');
    await rejects(carol.client.getGrid(gridId), 404, 'grid_not_found');
    const left = (await owner.client.getGrid(gridId)).members.map((m) => m.userId).sort();
    assert.deepEqual(left, [owner.user.id, admin.user.id].sort());
    // The owner removes an admin.
    await owner.client.removeMember(gridId, admin.user.id);
    assert.deepEqual((await owner.client.getGrid(gridId)).members.map((m) => m.userId), [owner.user.id]);
  });

  test('an admin cannot remove the owner or another admin (403); a member cannot remove anyone (403)', async () => {
    const { owner, gridId } = await newGrid('forbidden');
    const admin = await signup(t, 'admin');
    const admin2 = await signup(t, 'admin2');
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, admin2, 'admin');
    await addMember(owner, gridId, bob);
    await addMember(owner, gridId, carol);

    await rejects(admin.client.removeMember(gridId, owner.user.id), 403, 'forbidden');
    await rejects(admin.client.removeMember(gridId, admin2.user.id), 403, 'forbidden');
    await rejects(bob.client.removeMember(gridId, carol.user.id), 403, 'forbidden');
    await rejects(bob.client.removeMember(gridId, owner.user.id), 403, 'forbidden');
    await rejects(bob.client.removeMember(gridId, admin.user.id), 403, 'forbidden');
    assert.equal((await owner.client.getGrid(gridId)).members.length, 5, 'nobody was removed');
  });

  test('removing a non-member is 404 member_not_found', async () => {
    const { owner, gridId } = await newGrid('nonmember');
    const admin = await signup(t, 'admin');
    await addMember(owner, gridId, admin, 'admin');
    const stranger = await signup(t, 'stranger');
    await rejects(owner.client.removeMember(gridId, stranger.user.id), 404, 'member_not_found');
    await rejects(admin.client.removeMember(gridId, stranger.user.id), 404, 'member_not_found');
    await rejects(owner.client.removeMember(gridId, randomUUID()), 404, 'member_not_found');
    // A stranger learns nothing about the grid.
    await rejects(stranger.client.removeMember(gridId, owner.user.id), 404, 'grid_not_found');
  });

  test('PATCH role: the owner makes a member admin and back; admins and members may not', async () => {
    const { owner, gridId } = await newGrid('roles');
    const admin = await signup(t, 'admin');
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, bob);
    await addMember(owner, gridId, carol);

    const res = await call(t, 'PATCH', `/grids/${gridId}/members/${bob.user.id}`, owner.token, { role: 'admin' });
    assert.equal(res.status, 200);
    const { member } = res.json as { member: { userId: string; username: string; role: string; joinedAt: string } };
    assert.equal(member.userId, bob.user.id);
    assert.equal(member.username, bob.user.username);
    assert.equal(member.role, 'admin');
    assert.equal((await bob.client.listGrids()).grids.find((g) => g.id === gridId)?.role, 'admin');
    // Bob is an admin now: he may create invites.
    await bob.client.createInvite(gridId);
    // And back.
    assert.equal((await owner.client.updateMember(gridId, bob.user.id, { role: 'member' })).member.role, 'member');
    await rejects(bob.client.createInvite(gridId), 403, 'forbidden');

    await rejects(admin.client.updateMember(gridId, carol.user.id, { role: 'admin' }), 403, 'forbidden');
    await rejects(carol.client.updateMember(gridId, carol.user.id, { role: 'admin' }), 403, 'forbidden');
    await rejects(admin.client.updateMember(gridId, admin.user.id, { role: 'owner' }), 403, 'forbidden');
    const stranger = await signup(t, 'stranger');
    await rejects(owner.client.updateMember(gridId, stranger.user.id, { role: 'admin' }), 404, 'member_not_found');
    await rejects(owner.client.updateMember(gridId, owner.user.id, { role: 'member' }), 409, 'owner_must_transfer');
    const roles = new Map((await owner.client.getGrid(gridId)).members.map((m) => [m.userId, m.role]));
    assert.deepEqual(
      [roles.get(owner.user.id), roles.get(admin.user.id), roles.get(bob.user.id), roles.get(carol.user.id)],
      ['owner', 'admin', 'member', 'member'],
    );
  });

  test("role 'owner' hands ownership over: the target becomes owner, the old owner admin", async () => {
    const { owner, gridId } = await newGrid('handover');
    const bob = await signup(t, 'bob');
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, bob);
    await addMember(owner, gridId, carol);

    const { member } = await owner.client.updateMember(gridId, bob.user.id, { role: 'owner' });
    assert.equal(member.role, 'owner');
    const roles = new Map((await carol.client.getGrid(gridId)).members.map((m) => [m.userId, m.role]));
    assert.equal(roles.get(bob.user.id), 'owner');
    assert.equal(roles.get(owner.user.id), 'admin');
    assert.equal(roles.get(carol.user.id), 'member');
    assert.equal([...roles.values()].filter((r) => r === 'owner').length, 1, 'exactly one owner');

    // The old owner is no longer owner; the new one is.
    await rejects(owner.client.updateMember(gridId, carol.user.id, { role: 'admin' }), 403, 'forbidden');
    assert.equal((await bob.client.updateMember(gridId, carol.user.id, { role: 'admin' })).member.role, 'admin');
    // The old owner (now admin) may leave; the new owner may not while others remain.
    await owner.client.removeMember(gridId, owner.user.id);
    await rejects(bob.client.removeMember(gridId, bob.user.id), 409, 'owner_must_transfer');
  });

  test('two handovers at once: the grid still has exactly one owner, and the second is refused (403)', async () => {
    // Several rounds: the requests must overlap inside the database for the race to show.
    for (let round = 0; round < 5; round++) {
      const { owner, gridId } = await newGrid(`double handover ${round}`);
      const bob = await signup(t, 'bob');
      const carol = await signup(t, 'carol');
      await addMember(owner, gridId, bob);
      await addMember(owner, gridId, carol);
      const results = await Promise.allSettled([bob, carol].map((u) => owner.client.updateMember(gridId, u.user.id, { role: 'owner' })));
      const members = (await owner.client.getGrid(gridId)).members;
      const owners = members.filter((m) => m.role === 'owner').map((m) => m.username);
      assert.equal(owners.length, 1, `round ${round}: exactly one owner, got ${owners.join(', ')}`);
      assert.equal(members.find((m) => m.userId === owner.user.id)?.role, 'admin');
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one handover succeeds`);
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof ApiError);
          assert.equal(`${r.reason.status} ${r.reason.code}`, '403 forbidden');
        }
      }
    }
  });

  test('an owner cannot leave a grid with other members (409 owner_must_transfer)', async () => {
    const { owner, gridId } = await newGrid('stay');
    const bob = await signup(t, 'bob');
    await addMember(owner, gridId, bob, 'admin');
    await rejects(owner.client.removeMember(gridId, owner.user.id), 409, 'owner_must_transfer');
    const detail = await owner.client.getGrid(gridId);
    assert.equal(detail.members.length, 2);
    assert.equal(detail.members.find((m) => m.userId === owner.user.id)?.role, 'owner');
  });

  test('a sole owner leaving deletes the grid (GET → 404)', async () => {
    const { owner, gridId } = await newGrid('solo');
    const { invite } = await owner.client.createInvite(gridId);
    const { process: p } = await owner.client.registerProcess(gridId, { name: 'solo proc' });
    const sock = await events(owner, gridId);
    const res = await call(t, 'DELETE', `/grids/${gridId}/members/${owner.user.id}`, owner.token);
    assert.equal(res.status, 204);
    assert.equal((await sock.closed).code, CLOSE_CODES.gridNotFound);
    await rejects(owner.client.getGrid(gridId), 404, 'grid_not_found');
    assert.deepEqual((await owner.client.listGrids()).grids, []);
    assert.equal((await t.db.query('SELECT id FROM grids WHERE id = $1', [gridId])).length, 0);
    assert.equal((await t.db.query('SELECT id FROM grid_processes WHERE id = $1', [p.id])).length, 0);
    const bob = await signup(t, 'bob');
    await rejects(bob.client.join(invite.code), 404, 'invite_not_found');
  });

  test('a member who leaves: their processes stop, their socket closes (4403), others see change:left', async () => {
    const { owner, gridId } = await newGrid('leave events');
    const bob = await signup(t, 'bob', 'pc');
    const bobLaptop = await secondDevice(t, bob, 'laptop');
    const carol = await signup(t, 'carol');
    await addMember(owner, gridId, bob);
    await addMember(owner, gridId, carol);
    const otherGrid = (await owner.client.createGrid({ name: 'other' })).grid.id;
    await addMember(owner, otherGrid, bob);

    const p1 = (await bob.client.registerProcess(gridId, { name: 'bob pc' })).process;
    const p2 = (await bobLaptop.client.registerProcess(gridId, { name: 'bob laptop' })).process;
    await bob.client.heartbeat(gridId, p1.id);
    const pOther = (await bob.client.registerProcess(otherGrid, { name: 'bob elsewhere' })).process;
    const pCarol = (await carol.client.registerProcess(gridId, { name: 'carol' })).process;
    // The laptop's process is never heartbeated: it goes offline, and an offline process stops too.
    await eventually(
      async () => ((await owner.client.getProcess(gridId, p2.id)).process.status === 'offline' ? true : undefined),
      15_000,
      'the laptop process to go offline',
    );

    const ownerSock = await events(owner, gridId);
    const carolSock = await events(carol, gridId);
    const bobSock = await events(bob, gridId);
    const bobLaptopSock = await events(bobLaptop, gridId);
    const bobElsewhere = await events(bob, otherGrid);
    // Each socket's own count: they saw different device events before this point.
    const from = ownerSock.events.length;
    const carolFrom = carolSock.events.length;

    await bob.client.removeMember(gridId, bob.user.id);

    assert.equal((await bobSock.closed).code, CLOSE_CODES.notMember);
    assert.equal((await bobLaptopSock.closed).code, CLOSE_CODES.notMember);
    for (const [s, since] of [[ownerSock, from], [carolSock, carolFrom]] as const) {
      const e = (await s.next(isMember('left', bob.user.id), 10_000, since)) as MemberEvent;
      assert.equal(e.member.username, bob.user.username);
      assert.equal(e.member.role, 'member');
    }
    for (const id of [p1.id, p2.id]) {
      const stopped = await ownerSock.next((e) => e.type === 'process' && e.process.id === id && e.process.status === 'stopped', 10_000, from);
      assert.equal(stopped.type === 'process' && stopped.process.stopReason, 'member_left');
      const stored = (await owner.client.getProcess(gridId, id)).process;
      assert.equal(stored.status, 'stopped');
      assert.equal(stored.stopReason, 'member_left');
      assert.ok(stored.stoppedAt);
    }
    // Bob can no longer heartbeat there (he is not a member), and nothing else changed.
    await rejects(bob.client.heartbeat(gridId, p1.id), 404, 'grid_not_found');
    // Others' processes, and Bob's in another grid, are not stopped (unheartbeated, they may be offline by now).
    assert.notEqual((await owner.client.getProcess(gridId, pCarol.id)).process.status, 'stopped');
    assert.notEqual((await owner.client.getProcess(otherGrid, pOther.id)).process.status, 'stopped');
    assert.equal(bobElsewhere.ws.readyState, bobElsewhere.ws.OPEN, 'the socket on another grid stays open');
    assert.equal(carolSock.ws.readyState, carolSock.ws.OPEN);
    // Bob cannot come back on the socket.
    await assert.rejects(openEvents(bob.client.eventsUrl(gridId), bob.token), (err: unknown) => (err as { status?: number }).status === 404);
  });

  test('a removed member: their processes stop, their socket closes (4403), others see change:left', async () => {
    const { owner, gridId } = await newGrid('remove events');
    const admin = await signup(t, 'admin');
    const bob = await signup(t, 'bob');
    await addMember(owner, gridId, admin, 'admin');
    await addMember(owner, gridId, bob);
    const p = (await bob.client.registerProcess(gridId, { name: 'bob server', kind: 'minecraft' })).process;

    const ownerSock = await events(owner, gridId);
    const adminSock = await events(admin, gridId);
    const bobSock = await events(bob, gridId);
    // Each socket's own count: they saw different device events before this point.
    const from = adminSock.events.length;
    const ownerFrom = ownerSock.events.length;

    await admin.client.removeMember(gridId, bob.user.id);

    assert.equal((await bobSock.closed).code, CLOSE_CODES.notMember);
    for (const [s, since] of [[ownerSock, ownerFrom], [adminSock, from]] as const) {
      const e = (await s.next(isMember('left', bob.user.id), 10_000, since)) as MemberEvent;
      assert.equal(e.member.username, bob.user.username);
    }
    const stored = (await owner.client.getProcess(gridId, p.id)).process;
    assert.equal(stored.status, 'stopped');
    assert.equal(stored.stopReason, 'member_removed');
    const ev = await adminSock.next((e) => e.type === 'process' && e.process.id === p.id, 10_000, from);
    assert.equal(ev.type === 'process' && ev.process.status, 'stopped');
    assert.equal(adminSock.ws.readyState, adminSock.ws.OPEN);
    assert.equal(ownerSock.ws.readyState, ownerSock.ws.OPEN);
  });

  test("join emits change:'joined'; a role change emits change:'role_changed'", async () => {
    const { owner, gridId } = await newGrid('join events');
    const ownerSock = await events(owner, gridId);
    const bob = await signup(t, 'bob');
    const { invite } = await owner.client.createInvite(gridId);

    let from = ownerSock.events.length;
    await bob.client.join(invite.code);
    const joined = (await ownerSock.next(isMember('joined', bob.user.id), 10_000, from)) as MemberEvent;
    assert.deepEqual(
      { userId: joined.member.userId, username: joined.member.username, role: joined.member.role },
      { userId: bob.user.id, username: bob.user.username, role: 'member' },
    );
    assert.ok(!Number.isNaN(Date.parse(joined.member.joinedAt)));
    // A repeated join is no change.
    const bobSock = await events(bob, gridId);
    from = ownerSock.events.length;
    const bobFrom = bobSock.events.length;
    await bob.client.join(invite.code);

    await owner.client.updateMember(gridId, bob.user.id, { role: 'admin' });
    for (const s of [ownerSock, bobSock]) {
      const e = (await s.next(isMember('role_changed', bob.user.id), 10_000, s === ownerSock ? from : bobFrom)) as MemberEvent;
      assert.equal(e.member.role, 'admin');
    }
    const memberEvents = ownerSock.events.slice(from).filter((e) => e.type === 'member');
    assert.equal(memberEvents.length, 1, `only the role change since; got ${JSON.stringify(memberEvents)}`);

    // Handing ownership over: both members' roles change.
    from = ownerSock.events.length;
    await owner.client.updateMember(gridId, bob.user.id, { role: 'owner' });
    const toOwner = (await ownerSock.next(isMember('role_changed', bob.user.id), 10_000, from)) as MemberEvent;
    const toAdmin = (await ownerSock.next(isMember('role_changed', owner.user.id), 10_000, from)) as MemberEvent;
    assert.equal(toOwner.member.role, 'owner');
    assert.equal(toAdmin.member.role, 'admin');
  });
});
