import type { GridEvent, Member, Process } from '@gridshare/protocol';

/** How the events socket is doing. */
export type LinkStatus = 'connecting' | 'live' | 'reconnecting';
/** Why the socket will not come back: logged out, no longer a member, grid gone. */
export type EndReason = 'unauthorized' | 'removed' | 'gone';

/** A grid as the events socket tells it: null until the first snapshot. */
export interface LiveGrid {
  processes: Process[] | null;
  members: Member[] | null;
  status: LinkStatus;
  ended: EndReason | null;
}

export const initialLiveGrid: LiveGrid = { processes: null, members: null, status: 'connecting', ended: null };

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

/** A snapshot replaces everything; a process or member event changes one row. */
export function applyEvent(state: LiveGrid, e: GridEvent): LiveGrid {
  switch (e.type) {
    case 'snapshot':
      return { ...state, processes: e.processes, members: e.members };
    case 'process':
      return { ...state, processes: upsert(state.processes ?? [], e.process, (p) => p.id === e.process.id) };
    case 'member': {
      const members = state.members ?? [];
      const same = (m: Member) => m.userId === e.member.userId;
      return { ...state, members: e.change === 'left' ? members.filter((m) => !same(m)) : upsert(members, e.member, same) };
    }
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
