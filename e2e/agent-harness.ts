import type { AgentStatus, PsResponse } from '@gridshare/protocol';
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRID_BIN } from './serve-process.js';

/** Short agent timings so restart and crash tests take seconds. */
export const AGENT_ENV = {
  GRID_PASSWORD: 'correct horse battery',
  GRID_POLL_MS: '100',
  GRID_RESTART_BASE_MS: '200',
  GRID_RESTART_MAX_MS: '400',
  GRID_STABLE_AFTER_MS: '10000',
  GRID_MAX_FAST_CRASHES: '3',
  GRID_STOP_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'info',
};

/** One PC: its own GRID_HOME, its own agent daemon, driven through the real `grid` CLI. */
export class Pc {
  private constructor(
    readonly home: string,
    readonly name: string,
  ) {}

  static async create(name: string): Promise<Pc> {
    return new Pc(await mkdtemp(join(tmpdir(), `grid-${name}-`)), name);
  }

  /** More environment for this PC's agent and CLI (set before the agent starts). */
  extraEnv: Record<string, string> = {};

  get env(): Record<string, string> {
    return { ...process.env, ...AGENT_ENV, ...this.extraEnv, GRID_HOME: this.home } as Record<string, string>;
  }

  /** Runs `grid ARGS…`, waits for it, returns its result (never throws on a non-zero exit). */
  grid(...args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [GRID_BIN, ...args], { env: this.env, encoding: 'utf8', timeout: 60_000 });
  }

  /** Runs `grid ARGS…` without blocking the event loop (the coordinator may live in this process). */
  gridAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [GRID_BIN, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
  }

  /** `grid ARGS… --json`, parsed; fails with the CLI's own message. */
  async json<T>(...args: string[]): Promise<T> {
    // --json goes before any `--` (after it, everything is the command to run).
    const dd = args.indexOf('--');
    const withJson = dd < 0 ? [...args, '--json'] : [...args.slice(0, dd), '--json', ...args.slice(dd)];
    const r = await this.gridAsync(...withJson);
    if (r.status !== 0) throw new Error(`grid ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as T;
  }

  async ok(...args: string[]): Promise<string> {
    const r = await this.gridAsync(...args);
    if (r.status !== 0) throw new Error(`grid ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  status(): Promise<AgentStatus> {
    return this.json<AgentStatus>('status');
  }

  ps(...args: string[]): Promise<PsResponse> {
    return this.json<PsResponse>('ps', ...args);
  }

  /** Kills the agent daemon with SIGKILL: its processes live on. */
  async killAgent(): Promise<void> {
    const { agent } = await this.status();
    process.kill(agent.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(agent.pid), 'the agent to die');
  }

  /** Stops the agent and every process it started (test clean-up), whether or not the agent is up. */
  async destroy(): Promise<void> {
    const r = await this.gridAsync('status', '--json');
    const s = r.status === 0 ? (JSON.parse(r.stdout) as AgentStatus) : null;
    if (s?.agent) process.kill(s.agent.pid, 'SIGKILL');
    try {
      const state = JSON.parse(await readFile(join(this.home, 'state.json'), 'utf8')) as { processes: Array<{ spec: { mode: string }; runtime: { pid: number | null } }> };
      for (const p of state.processes) if (p.runtime.pid && p.spec.mode === 'run') killGroup(p.runtime.pid);
    } catch {
      /* no state */
    }
    await rm(this.home, { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* gone */
  }
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `get` gives a value, and gives it back. */
export async function waitUntilValue<T>(get: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  let value: T | undefined;
  await waitUntil(async () => (value = await get()) !== undefined, 'a value', timeoutMs);
  return value!;
}

/** A small TCP echo server as a command line, for `grid run`. */
export function echoServerCommand(port: number): string[] {
  return [
    process.execPath,
    '-e',
    `require('net').createServer((s) => s.pipe(s)).listen(${port}, '127.0.0.1', () => console.log('listening on ${port}'))`,
  ];
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
