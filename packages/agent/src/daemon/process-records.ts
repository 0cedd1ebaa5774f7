import type { LocalProcess, RunRequest, ShareRequest } from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { AgentError } from '../errors.js';
import { findListeningPids, readProcStat } from '../supervisor/procfs.js';

/** The new records `grid run` and `grid share` add, and the checks that come first (one clear line, not a process that dies). */

export function emptyRuntime(): LocalProcess['runtime'] {
  return { state: 'stopped', pid: null, startTimeTicks: null, startedAt: null, restarts: 0, fastCrashes: 0, lastExit: null, heartbeatsSent: 0, lastHeartbeat: null, message: null };
}

/** `grid run`: its directory exists and its command can be executed (on the PATH it will get), before anything is registered. */
export async function checkRunnable(req: RunRequest, baseEnv: Readonly<Record<string, string>>): Promise<void> {
  if (!(await stat(req.cwd).then((s) => s.isDirectory(), () => false))) throw new AgentError('validation_failed', `--cwd ${req.cwd} is not a directory`);
  const cmd = req.command[0]!;
  const path = { ...baseEnv, ...req.env }.PATH ?? '';
  const candidates = cmd.includes('/') ? [isAbsolute(cmd) ? cmd : join(req.cwd, cmd)] : path.split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  for (const c of candidates) {
    if (await access(c, constants.X_OK).then(() => true, () => false)) return;
  }
  throw new AgentError('spawn_failed', `command not found or not executable: ${cmd}`);
}

export function runRecord(req: RunRequest, gridId: string): LocalProcess {
  return {
    id: randomUUID(),
    gridId,
    name: req.name.trim(),
    kind: req.kind ?? 'generic',
    spec: { command: req.command, cwd: req.cwd, env: req.env, ports: req.ports.map((port) => ({ port, protocol: 'tcp' })), restart: req.restart, mode: 'run', private: req.private ?? false },
    runtime: emptyRuntime(),
  };
}

/** The process listening on a port of this PC: with several (a pre-fork server), the oldest, the parent. */
export async function listeningProcess(port: number): Promise<{ pid: number; startTimeTicks: number }> {
  const pids = await findListeningPids(port);
  if (pids.length === 0) throw new AgentError('port_not_listening', `nothing is listening on port ${port} on this PC`);
  const stats = (await Promise.all(pids.map((p) => readProcStat(p)))).filter((s) => s !== null);
  const main = stats.sort((a, b) => a.startTimeTicks - b.startTimeTicks)[0];
  if (!main) throw new AgentError('port_not_listening', `the process listening on port ${port} went away`);
  return { pid: main.pid, startTimeTicks: main.startTimeTicks };
}

export function shareRecord(req: ShareRequest, gridId: string, main: { pid: number; startTimeTicks: number }): LocalProcess {
  return {
    id: randomUUID(),
    gridId,
    name: req.name.trim(),
    kind: req.kind ?? 'generic',
    spec: { command: [], cwd: '/', env: {}, ports: [{ port: req.port, protocol: 'tcp' }], restart: 'never', mode: 'share', private: req.private ?? false },
    runtime: { ...emptyRuntime(), state: 'running', pid: main.pid, startTimeTicks: main.startTimeTicks, startedAt: new Date().toISOString() },
  };
}
