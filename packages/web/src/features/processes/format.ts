import type { Process, ProcessHistoryEntry } from '@gridshare/protocol';

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "just now", "12 s ago", "3 min ago". Clock skew never shows a time in the future. */
export function formatAgo(iso: string, now: number): string {
  const s = Math.floor((now - Date.parse(iso)) / 1000);
  return s < 1 ? 'just now' : `${formatDuration(s)} ago`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatPercent(p: number): string {
  return `${p >= 10 ? Math.round(p) : p.toFixed(1)} %`;
}

/**
 * How long it has been up, by the coordinator's last word plus the time since:
 * the agent's own uptime when it sends one, else since registration.
 */
export function uptimeSeconds(p: Process, now: number): number | null {
  if (p.status !== 'online') return null;
  const sinceBeat = Math.max(0, (now - Date.parse(p.lastHeartbeatAt)) / 1000);
  if (p.health?.uptimeSeconds !== undefined) return p.health.uptimeSeconds + sinceBeat;
  return Math.max(0, (now - Date.parse(p.registeredAt)) / 1000);
}

/** Shell-quotes a word only when it needs it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function connectCommand(processName: string, gridName: string): string {
  return `grid connect ${shellWord(processName)} --grid ${shellWord(gridName)}`;
}

const REASONS: Record<string, string> = {
  stopped: 'stopped by its host',
  exited: 'the program exited',
  crashed: 'the program crashed',
  force_stopped: 'force-stopped by an owner or admin',
  member_left: 'its host left the grid',
  member_removed: 'its host was removed from the grid',
};

/** What Force stop asks: it stops the process on its host's PC (the host's agent hears it with its next heartbeat). */
export function forceStopQuestion(p: Pick<Process, 'name' | 'hostUsername' | 'hostDeviceName'>): string {
  return `Stop ${p.name} on ${p.hostUsername}’s ${p.hostDeviceName}?`;
}

export function stopReasonText(reason: string | null): string | null {
  if (!reason) return null;
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
}

/** One line per state change: "Registered", "Back online", "Stopped — exit code 1". */
export function historyTitle(e: ProcessHistoryEntry): string {
  if (e.to === 'online') {
    if (e.from === 'registered') return 'Registered and online';
    if (e.from === 'offline') return 'Back online';
    return 'Registered again and online';
  }
  if (e.to === 'offline') return 'Went offline';
  return e.exitCode === null ? 'Stopped' : `Stopped with exit code ${e.exitCode}`;
}

export function historyDetail(e: ProcessHistoryEntry): string | null {
  if (e.to === 'offline') return 'its heartbeats stopped arriving';
  if (e.to === 'stopped') return stopReasonText(e.reason);
  return null;
}
