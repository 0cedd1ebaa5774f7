import type { Member, Process, Role } from '@gridshare/protocol';

export interface OnlineDevice {
  deviceId: string;
  deviceName: string;
  processes: number;
}

/**
 * Which devices of each member are online, as far as the grid can tell: the
 * devices hosting an online process. (The coordinator has no device presence yet.)
 */
export function onlineDevicesByUser(processes: readonly Process[] | null): Map<string, OnlineDevice[]> {
  const byUser = new Map<string, Map<string, OnlineDevice>>();
  for (const p of processes ?? []) {
    if (p.status !== 'online') continue;
    const devices = byUser.get(p.hostUserId) ?? new Map<string, OnlineDevice>();
    byUser.set(p.hostUserId, devices);
    const d = devices.get(p.hostDeviceId) ?? { deviceId: p.hostDeviceId, deviceName: p.hostDeviceName, processes: 0 };
    d.processes++;
    devices.set(p.hostDeviceId, d);
  }
  return new Map([...byUser].map(([u, d]) => [u, [...d.values()].sort((a, b) => a.deviceName.localeCompare(b.deviceName))]));
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
