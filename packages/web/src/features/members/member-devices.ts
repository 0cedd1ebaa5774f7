import type { Member, MemberDevice, Process, Role } from '@gridshare/protocol';

/** A member's device as the members list shows it. */
export interface DeviceView {
  id: string;
  name: string;
  online: boolean;
  lastSeenAt: string;
  /** Online processes it hosts in this grid. */
  processes: number;
}

/**
 * Each member's logged-in devices (online first, then by name), with the
 * online processes each hosts here. Presence comes from the coordinator: a
 * device is online while its agent (or its browser) is connected. A device
 * whose processes heartbeat without a link (a script on the plain API) is
 * online too: its processes prove it.
 */
export function devicesByUser(devices: readonly MemberDevice[] | null, processes: readonly Process[] | null): Map<string, DeviceView[]> {
  const hosting = new Map<string, number>();
  for (const p of processes ?? []) if (p.status === 'online') hosting.set(p.hostDeviceId, (hosting.get(p.hostDeviceId) ?? 0) + 1);
  const byUser = new Map<string, DeviceView[]>();
  for (const d of devices ?? []) {
    const list = byUser.get(d.userId) ?? [];
    byUser.set(d.userId, list);
    const hosted = hosting.get(d.id) ?? 0;
    list.push({ id: d.id, name: d.name, online: d.online || hosted > 0, lastSeenAt: d.lastSeenAt, processes: hosted });
  }
  for (const list of byUser.values()) list.sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  return byUser;
}

const RANK: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

export function sortMembers(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => RANK[a.role] - RANK[b.role] || a.username.localeCompare(b.username));
}

/** What I may do to a member: the coordinator's rules, so the page offers only what will work. */
export function allowedActions(me: Role | undefined, myId: string, target: Member): { changeRole: boolean; remove: boolean; leave: boolean } {
  const self = target.userId === myId;
  return {
    changeRole: me === 'owner' && !self,
    remove: !self && (me === 'owner' || (me === 'admin' && target.role === 'member')),
    leave: self && target.role !== 'owner',
  };
}
