// Linux /proc helpers for the supervisor and `grid share`: identify our processes robustly
// (PIDs get reused), measure whole process groups, and find who listens on a port.
// Standard library only. Linux quirks worth knowing are marked "QUIRK".
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';

export interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  startTimeTicks: number;
}

/**
 * Parses the text of one /proc/PID/stat. Exported (beyond the planned API) so the tricky
 * comm parsing can be unit-tested on literal lines. null when the text is malformed.
 * QUIRK: comm (field 2) is the executable's basename, up to 15 bytes, printed raw between
 * parentheses: it may hold spaces, ')' and even newlines. No later field contains ')', so the
 * LAST ')' is the real end of comm.
 */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  const open = text.indexOf(' (');
  if (close < 0 || open < 0 || open > close) return null;
  const pid = Number(text.slice(0, open));
  // Fields after comm: [0]=state(3) [1]=ppid(4) [2]=pgrp(5) [3]=session(6) ... [11]=utime(14)
  // [12]=stime(15) ... [19]=starttime(22), the last in clock ticks since boot.
  const f = text.slice(close + 2).trim().split(' ');
  const num = (i: number): number => Number(f[i]);
  const state = f[0];
  if (f.length < 20 || !state || !Number.isInteger(pid)) return null;
  const stat: ProcStat = {
    pid, ppid: num(1), pgrp: num(2), session: num(3), state,
    utimeTicks: num(11), stimeTicks: num(12), startTimeTicks: num(19),
  };
  return Object.values(stat).every((v) => typeof v === 'string' || Number.isFinite(v)) ? stat : null;
}

function validPid(pid: number): boolean {
  // Guards against /proc/0, /proc/-1 and NaN paths; /proc/self is never reachable via a number.
  return Number.isInteger(pid) && pid > 0;
}

/** Parses /proc/PID/stat. null when the pid does not exist (or vanished while we read). */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  if (!validPid(pid)) return null;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // ENOENT / ESRCH: gone. QUIRK: /proc/TID/stat also works for thread ids not listed in /proc.
  }
}

/** true when pid exists, is neither zombie ('Z') nor dead ('X'), and started at startTimeTicks,
 * so a reused PID is never taken for ours (pid + start time is unique since boot). */
export async function isSameProcess(pid: number, startTimeTicks: number): Promise<boolean> {
  const st = await readProcStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X' && st.startTimeTicks === startTimeTicks;
}

async function allPids(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Every live (non-zombie) process whose process group is pgid. Processes that exit mid-scan
 * just drop out: readProcStat returns null for them. */
export async function listProcessGroup(pgid: number): Promise<ProcStat[]> {
  if (!validPid(pgid)) return [];
  const stats = await Promise.all((await allPids()).map(readProcStat));
  return stats.filter((s): s is ProcStat => s !== null && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X');
}

/** Resident memory of one pid in bytes (VmRSS of /proc/PID/status, in kB), 0 if gone.
 * QUIRK: zombies and kernel threads have no VmRSS line at all -> 0. */
export async function readRssBytes(pid: number): Promise<number> {
  if (!validPid(pid)) return 0;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(cmd, args, { timeout: 2000 }, (err, out) => resolve(err ? null : String(out)));
    } catch {
      resolve(null);
    }
  });
}

// Clock ticks per second, read once per agent process (almost always 100 on Linux).
let ticksPerSecond: Promise<number> | undefined;
function clkTck(): Promise<number> {
  ticksPerSecond ??= run('getconf', ['CLK_TCK']).then((out) => {
    const n = Number(out?.trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  });
  return ticksPerSecond;
}

/** Samples CPU % (100 = one full core) and RSS of a whole process group. */
export class GroupSampler {
  // Per pgid: wall clock (ms) and cpu ticks per process keyed by "pid:starttime".
  private readonly prev = new Map<number, { at: number; ticks: Map<string, number> }>();

  /** null when the group has no live process left (its history is dropped too). */
  async sample(pgid: number): Promise<{ cpuPercent: number; rssBytes: number; processes: number } | null> {
    const [hz, procs] = await Promise.all([clkTck(), listProcessGroup(pgid)]);
    const at = performance.now();
    if (procs.length === 0) {
      this.prev.delete(pgid);
      return null;
    }
    // Deltas are taken per process, not on the group total: a member that exits takes its
    // ticks with it, which would make a plain sum go backwards. New members count in full
    // (they started after the previous sample). CPU of a member's last moments before exit is lost.
    const ticks = new Map(procs.map((p) => [`${p.pid}:${p.startTimeTicks}`, p.utimeTicks + p.stimeTicks]));
    const before = this.prev.get(pgid);
    let cpuPercent = 0;
    if (before && at > before.at) {
      let delta = 0;
      for (const [key, t] of ticks) delta += Math.max(0, t - (before.ticks.get(key) ?? 0));
      cpuPercent = (delta / hz / ((at - before.at) / 1000)) * 100;
    }
    this.prev.set(pgid, { at, ticks });
    // QUIRK: summing RSS double counts pages shared between members (e.g. after fork).
    const rss = await Promise.all(procs.map((p) => readRssBytes(p.pid)));
    return { cpuPercent, rssBytes: rss.reduce((a, b) => a + b, 0), processes: procs.length };
  }

  /** Drops the history of pgid, e.g. once the supervisor has stopped that group. */
  forget(pgid: number): void {
    this.prev.delete(pgid);
  }
}

/** Socket inodes of TCP sockets in LISTEN state on port, from /proc/net/tcp{,6}; null when
 * neither file is readable. QUIRK: these files only cover the reader's network namespace. */
async function listeningInodes(port: number): Promise<Set<string> | null> {
  const inodes = new Set<string>();
  let readable = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const f = line.trim().split(/\s+/);
      const local = f[1];
      const inode = f[9];
      if (!local || !inode || f[3] !== '0A' || inode === '0') continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
    }
  }
  return readable ? inodes : null;
}

/** PIDs (sorted, unique) of processes with a TCP socket listening on port, any address, IPv4 and
 * IPv6. Processes whose fds we may not read (other users, unless root) are skipped. */
export async function findListeningPids(port: number): Promise<number[]> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return [];
  const inodes = await listeningInodes(port);
  // QUIRK: a dual-stack listen on '::' appears only in tcp6; one socket shared by forked workers
  // (or inherited by a child) maps to several pids, which is what we want.
  if (inodes !== null && inodes.size === 0) return []; // /proc is authoritative: nobody listens
  const found = new Set<number>();
  if (inodes !== null) {
    await Promise.all((await allPids()).map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]); // EACCES / gone
      for (const fd of fds) {
        const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m?.[1] && inodes.has(m[1])) {
          found.add(pid);
          break;
        }
      }
    }));
  }
  if (found.size === 0) {
    // /proc gave nothing usable (unreadable, or the owners' fds are hidden from us): ask ss,
    // which may see more (e.g. with CAP_NET_ADMIN). Missing ss -> run() yields null -> [].
    const out = await run('ss', ['-Htlnp', `sport = :${port}`]);
    for (const m of (out ?? '').matchAll(/pid=(\d+)/g)) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/** Whether something accepts a TCP connection on host:port within timeoutMs. Never throws. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const socket = connect({ port, host });
      const done = (open: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(open);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    } catch {
      resolve(false); // e.g. ERR_SOCKET_BAD_PORT is thrown synchronously
    }
  });
}
