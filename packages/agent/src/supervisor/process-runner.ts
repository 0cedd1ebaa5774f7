import { type ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { open, readFile, rm, stat, copyFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { isSameProcess, readProcStat } from './procfs.js';
import { WRAPPER_ARGV0, WRAPPER_SCRIPT } from './wrapper.js';

export interface Exit {
  code: number | null;
  signal: string | null;
}

export interface Started {
  pid: number;
  startTimeTicks: number;
}

const SIGNAL_NAMES = Object.fromEntries(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

/** Exit codes above 128 from the wrapper mean "ended by signal code-128". */
export function exitFromCode(code: number): Exit {
  if (code > 128 && SIGNAL_NAMES[code - 128]) return { code, signal: SIGNAL_NAMES[code - 128]! };
  return { code, signal: null };
}

export const outLogPath = (logsDir: string, id: string) => join(logsDir, `${id}.log`);
export const exitFilePath = (exitsDir: string, id: string) => join(exitsDir, id);

/** Starts `command` in its own session and process group, output appended to the log file. */
export async function spawnProcess(opts: {
  id: string;
  command: string[];
  cwd: string;
  /** Its whole environment (nothing of this process's own is added). */
  env: Readonly<Record<string, string>>;
  logsDir: string;
  exitsDir: string;
}): Promise<{ child: ChildProcess; started: Started; exited: Promise<Exit & { at: number }> }> {
  const exitFile = exitFilePath(opts.exitsDir, opts.id);
  await rm(exitFile, { force: true });
  const log = await open(outLogPath(opts.logsDir, opts.id), 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WRAPPER_SCRIPT, WRAPPER_ARGV0, exitFile, ...opts.command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    await log.close();
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw err;
  }
  child.unref();
  // Listen before any await: a command that ends at once would otherwise exit unheard.
  const exited = new Promise<Exit & { at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ ...(code !== null ? exitFromCode(code) : { code: null, signal }), at: Date.now() })),
  );
  const st = await readProcStat(pid);
  return { child, started: { pid, startTimeTicks: st?.startTimeTicks ?? 0 }, exited };
}

/** The exit code the wrapper recorded, if it got to. */
export async function readRecordedExit(exitsDir: string, id: string): Promise<Exit | null> {
  try {
    const code = Number.parseInt((await readFile(exitFilePath(exitsDir, id), 'utf8')).trim(), 10);
    return Number.isInteger(code) ? exitFromCode(code) : null;
  } catch {
    return null;
  }
}

/** Resolves when the process (pid + start time) is gone; polls, since an adopted process is not our child. */
export function waitForExitByPolling(p: Started, pollMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const tick = async () => {
      if (signal.aborted) return resolve();
      if (!(await isSameProcess(p.pid, p.startTimeTicks))) return resolve();
      setTimeout(tick, pollMs).unref();
    };
    void tick();
  });
}

/** SIGTERM to the whole process group, SIGKILL after timeoutMs; resolves once it is gone. */
export async function killGroup(p: Started, timeoutMs: number, pollMs = 50): Promise<'terminated' | 'killed' | 'gone'> {
  if (!(await isSameProcess(p.pid, p.startTimeTicks))) return 'gone';
  const sendGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-p.pid, sig);
    } catch {
      /* already gone */
    }
  };
  sendGroup('SIGTERM');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!(await isSameProcess(p.pid, p.startTimeTicks))) return 'terminated';
    await new Promise((r) => setTimeout(r, pollMs));
  }
  sendGroup('SIGKILL');
  while (await isSameProcess(p.pid, p.startTimeTicks)) await new Promise((r) => setTimeout(r, pollMs));
  return 'killed';
}

/** copytruncate rotation: the process keeps its O_APPEND descriptor, so the live file is copied and emptied. */
export async function rotateIfLarge(path: string, maxBytes: number): Promise<boolean> {
  try {
    if ((await stat(path)).size < maxBytes) return false;
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    return true;
  } catch {
    return false;
  }
}
