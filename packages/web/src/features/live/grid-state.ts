import type { GridEvent, Member, MemberDevice, Process } from '@gridshare/protocol';

/** How the events socket is doing. */
export type LinkStatus = 'connecting' | 'live' | 'reconnecting';
/** Why the socket will not come back: logged out, no longer a member, grid gone. */
export type EndReason = 'unauthorized' | 'removed' | 'gone';

/** A grid as the events socket tells it: null until the first snapshot. */
export interface LiveGrid {
  processes: Process[] | null;
  members: Member[] | null;
  /** The members' logged-in devices, online or not. */
  devices: MemberDevice[] | null;
  status: LinkStatus;
  ended: EndReason | null;
  /**
   * Goes up whenever someone may have joined: a joined member, or a snapshot
   * after a reconnect (joins while cut off are not replayed). Views of data
   * that a join changes, like invite use counts, reload on it.
   */
  memberJoins: number;
}

export const initialLiveGrid: LiveGrid = { processes: null, members: null, devices: null, status: 'connecting', ended: null, memberJoins: 0 };

export type LiveAction =
  | { type: 'event'; event: GridEvent }
  | { type: 'status'; status: LinkStatus }
  | { type: 'ended'; reason: EndReason }
  | { type: 'reset' };

export function liveGridReducer(state: LiveGrid, action: LiveAction): LiveGrid {
  switch (action.type) {
    case 'reset':
      return initialLiveGrid;
    case 'status':
      return state.status === action.status ? state : { ...state, status: action.status };
    case 'ended':
      return { ...state, ended: action.reason };
    case 'event':
      return applyEvent(state, action.event);
  }
}

/** A snapshot replaces everything; a process, member or device event changes one row. */
export function applyEvent(state: LiveGrid, e: GridEvent): LiveGrid {
  switch (e.type) {
    case 'snapshot':
      return { ...state, processes: e.processes, members: e.members, devices: e.devices, memberJoins: state.memberJoins + (state.members ? 1 : 0) };
    case 'process':
      return { ...state, processes: upsert(state.processes ?? [], e.process, (p) => p.id === e.process.id) };
    case 'member': {
      const members = state.members ?? [];
      const same = (m: Member) => m.userId === e.member.userId;
      if (e.change === 'joined') return { ...state, members: upsert(members, e.member, same), memberJoins: state.memberJoins + 1 };
      if (e.change === 'role_changed') return { ...state, members: upsert(members, e.member, same) };
      // Who left takes their devices along.
      return { ...state, members: members.filter((m) => !same(m)), devices: state.devices?.filter((d) => d.userId !== e.member.userId) ?? null };
    }
    case 'device':
      return { ...state, devices: upsert(state.devices ?? [], e.device, (d) => d.id === e.device.id) };
  }
}

function upsert<T>(list: readonly T[], item: T, same: (x: T) => boolean): T[] {
  const i = list.findIndex(same);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

const ORDER = { online: 0, offline: 1, stopped: 2 } as const;

/** Online first, then offline, then stopped; by name within each. */
export function sortProcesses(processes: readonly Process[]): Process[] {
  return [...processes].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export function countOnline(processes: readonly Process[] | null): number {
  return processes?.filter((p) => p.status === 'online').length ?? 0;
}
