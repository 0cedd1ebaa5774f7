import { ApiError, type GridClient, type LocalProcess, type ProcessHealth } from '@gridshare/protocol';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.js';
import {
  type Exit,
  killGroup,
  readRecordedExit,
  spawnProcess,
  waitForExitByPolling,
} from '../supervisor/process-runner.js';
import { type GroupSampler, isPortOpen, readProcStat } from '../supervisor/procfs.js';
import { decideRestart, describeExit, failed } from '../supervisor/restart.policy.js';
import { MinecraftProbe } from '../health/minecraft-probe.js';
import { HeartbeatLoop } from './heartbeat-loop.js';

export interface ProcessDeps {
  config: AgentConfig;
  client: () => GridClient | null;
  log: Logger;
  sampler: GroupSampler;
  /** Persist the state file (after any change to `record`). */
  save: () => Promise<void>;
}

/** The note on a process whose heartbeats stopped on a refused token; a new login starts them again. */
export const HEARTBEATS_NEED_LOGIN = 'heartbeats stopped: run `grid login` again';

/**
 * One process on this PC: its declared spec and observed runtime (`record`,
 * persisted), the OS process, and its heartbeat. Exits are noticed at once for
 * our own children and by polling for adopted or shared ones.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private childExit: Promise<Exit & { at: number }> | undefined;
  private watching: AbortController | undefined;
  private loop: HeartbeatLoop | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Set while we stop or restart it ourselves, so that exit is not a crash. */
  private expectingExit = false;
  /** Lifecycle steps run one at a time: an exit during a start is handled after the start (and its registration). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly minecraft = new MinecraftProbe();

  /** Saves the state file from a callback nobody awaits: a failed write (disk full) is logged, never a crash. */
  private persist(): void {
    this.deps.save().catch((err: unknown) => this.deps.log.error({ processId: this.id, err: (err as Error).message }, 'could not save the state file'));
  }

  /** Runs a lifecycle step nobody awaits (an exit, a grid stop): a failure is logged, never an unhandled rejection. */
  private background(what: string, step: () => Promise<unknown>): void {
    this.serial(step).catch((err: unknown) => this.deps.log.error({ processId: this.id, err: (err as Error).message }, `${what} failed`));
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => {});
    return run;
  }

  constructor(
    public record: LocalProcess,
    private readonly deps: ProcessDeps,
  ) {}

  get id(): string {
    return this.record.id;
  }
  get live(): boolean {
    return this.record.runtime.state === 'running' || this.record.runtime.state === 'backoff';
  }

  /** Spawns (run mode) and starts heartbeating. Resolves after the first registration attempt. */
  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  private async doStart(): Promise<void> {
    const { config } = this.deps;
    this.expectingExit = false;
    const { child, started, exited } = await spawnProcess({
      id: this.id,
      command: this.record.spec.command,
      cwd: this.record.spec.cwd,
      env: { ...config.childEnv, ...this.record.spec.env },
      logsDir: config.paths.logsDir,
      exitsDir: config.paths.exitsDir,
    });
    this.child = child;
    this.childExit = exited;
    Object.assign(this.record.runtime, {
      state: 'running',
      pid: started.pid,
      startTimeTicks: started.startTimeTicks,
      startedAt: new Date().toISOString(),
      message: null,
    });
    this.watch();
    await this.deps.save();
    await this.beginHeartbeat(false);
  }

  /** Takes over a process that is alive (after an agent restart, or `grid share`). */
  attach(registered: boolean): Promise<void> {
    return this.serial(async () => {
      this.watch();
      await this.beginHeartbeat(registered);
    });
  }

  /** `grid stop`: heartbeat off, unregister, then SIGTERM the group (SIGKILL after the timeout). */
  stop(): Promise<void> {
    return this.serial(() => this.doStop({ unregister: true, message: null }));
  }

  /**
   * The grid stopped it (a grid owner or admin force-stopped it, or this user
   * is no longer in the grid): the coordinator already knows, so it is not
   * unregistered again; it stops here as with `grid stop`, and says why.
   */
  private stoppedByGrid(why: string): void {
    this.background('stopping it', async () => (this.live ? this.doStop({ unregister: false, message: `stopped in the grid: ${why}` }) : undefined));
  }

  private async doStop(how: { unregister: boolean; message: string | null }): Promise<void> {
    await this.halt();
    if (how.unregister) await this.report('stopped', null);
    if (this.record.spec.mode === 'run') await this.killIt();
    this.watching?.abort();
    Object.assign(this.record.runtime, { state: 'stopped', pid: null, startTimeTicks: null, message: how.message });
    await this.deps.save();
  }

  /** The first steps of a stop or restart: no pending restart, no heartbeat, and its exit will not count as a crash. */
  private async halt(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.expectingExit = true;
    await this.loop?.stop();
  }

  /** SIGTERM to its process group, SIGKILL after the stop timeout (only if it is still the process we started). */
  private async killIt(): Promise<void> {
    const { pid, startTimeTicks } = this.record.runtime;
    if (pid !== null && startTimeTicks !== null) await killGroup({ pid, startTimeTicks }, this.deps.config.stopTimeoutMs);
  }

  /**
   * `grid private`: refuse connections (the coordinator closes open ones) or
   * accept them again. Saved at once; the coordinator hears it now, or with
   * the next registration if it cannot be reached.
   */
  setPrivate(value: boolean): Promise<void> {
    return this.serial(async () => {
      this.record.spec.private = value;
      await this.deps.save();
      await this.loop?.reregister();
    });
  }

  /** `grid restart`: the same id comes back online; the coordinator never sees it stopped. */
  restart(): Promise<void> {
    return this.serial(() => this.doRestart());
  }

  private async doRestart(): Promise<void> {
    await this.halt();
    await this.killIt();
    this.watching?.abort();
    this.record.runtime.restarts++;
    await this.doStart();
  }

  /** The agent itself is stopping: heartbeats end, the process keeps running. */
  async detach(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.watching?.abort();
    await this.loop?.stop();
  }

  /** A process that died while the agent was down: report it with the exit code the wrapper left. */
  async reportDeadOnResume(): Promise<void> {
    const exit = (await readRecordedExit(this.deps.config.paths.exitsDir, this.id)) ?? { code: null, signal: null };
    await this.serial(() => this.exited(exit, true));
  }

  async health(): Promise<ProcessHealth> {
    const { pid, startedAt } = this.record.runtime;
    const ports = await Promise.all(this.record.spec.ports.map(async (p) => ({ port: p.port, open: await isPortOpen(p.port) })));
    // Run mode: the agent made the process a group leader. A shared one may sit in a group led by whatever
    // started it (a script, a shell job): its health is that group's.
    const group = pid === null ? null : this.record.spec.mode === 'share' ? ((await readProcStat(pid))?.pgrp ?? null) : pid;
    const sample = group === null ? null : await this.deps.sampler.sample(group);
    // A game server that does not answer is still a live process: health says so (reachable: false).
    const minecraft = sample !== null && pid !== null ? await this.minecraft.sample(this.record.kind, pid, ports) : undefined;
    return {
      alive: sample !== null,
      ...(pid !== null ? { pid } : {}),
      ...(startedAt ? { uptimeSeconds: Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000)) } : {}),
      ...(sample ? { cpuPercent: Math.round(sample.cpuPercent * 10) / 10, rssBytes: sample.rssBytes } : {}),
      ports,
      ...(minecraft ? { minecraft } : {}),
    };
  }

  private watch(): void {
    this.watching?.abort();
    const ac = new AbortController();
    this.watching = ac;
    // An exit belongs to the run this watch was for: checked again when its turn in the queue comes, because
    // a restart kills the old copy (its exit is queued behind the restart) and starts a new one before that turn.
    const exitedIfCurrent = (exit: Exit, at: number) => this.background('handling its exit', async () => (ac.signal.aborted ? undefined : this.exited(exit, false, at)));
    const childExit = this.childExit;
    if (this.child && childExit) {
      // `at` is when it exited, not when the queue gets to it: a slow registration is not run time.
      void childExit.then(({ at, ...exit }) => {
        if (!ac.signal.aborted) exitedIfCurrent(exit, at);
      });
      return;
    }
    const { pid, startTimeTicks } = this.record.runtime;
    if (pid === null || startTimeTicks === null) return;
    waitForExitByPolling({ pid, startTimeTicks }, this.deps.config.pollMs, ac.signal)
      .then(async () => {
        if (ac.signal.aborted) return;
        const recorded = this.record.spec.mode === 'run' ? await readRecordedExit(this.deps.config.paths.exitsDir, this.id) : null;
        exitedIfCurrent(recorded ?? { code: null, signal: null }, Date.now());
      })
      .catch((err: unknown) => this.deps.log.error({ processId: this.id, err: (err as Error).message }, 'watching the process failed'));
  }

  private async beginHeartbeat(registered: boolean): Promise<void> {
    await this.loop?.stop();
    const before = this.record.runtime.heartbeatsSent;
    const loop = new HeartbeatLoop(
      {
        id: this.id,
        gridId: this.record.gridId,
        registration: () => ({
          id: this.id,
          name: this.record.name,
          kind: this.record.kind,
          ...(this.record.spec.command.length ? { command: this.record.spec.command.join(' ').slice(0, 2048) } : {}),
          ports: this.record.spec.ports,
          private: this.record.spec.private ?? false,
        }),
        health: () => this.health(),
      },
      this.deps.client,
      this.deps.log,
      (result, sent) => {
        this.record.runtime.heartbeatsSent = before + sent;
        this.record.runtime.lastHeartbeat = { at: new Date().toISOString(), ok: result.ok, ...(result.error ? { error: result.error } : {}) };
        if (result.unauthorized) this.record.runtime.message = HEARTBEATS_NEED_LOGIN;
        else if (result.ok && this.record.runtime.state === 'running') this.record.runtime.message = null;
        this.persist();
        if (result.stoppedByGrid) this.stoppedByGrid(result.error ?? 'stopped');
      },
    );
    this.loop = loop;
    if (!registered) {
      try {
        await loop.registerNow();
        registered = true;
        this.record.runtime.message = null;
      } catch (err) {
        this.record.runtime.message = `not registered yet: ${(err as Error).message}; retrying`;
        this.deps.log.warn({ processId: this.id, err: (err as Error).message }, `⚠️ Registration of process ${this.id} failed; will retry`);
      }
    }
    loop.start(registered);
  }

  /** It exited by itself: report at once, then apply the restart policy. */
  private async exited(exit: Exit, whileAgentDown = false, endedAt = Date.now()): Promise<void> {
    if (this.expectingExit) return;
    this.watching?.abort();
    await this.loop?.stop();
    const rt = this.record.runtime;
    const ranForMs = rt.startedAt ? endedAt - Date.parse(rt.startedAt) : 0;
    rt.lastExit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    Object.assign(rt, { pid: null, startTimeTicks: null });
    const reason = failed(exit) ? 'crashed' : 'exited';
    this.deps.log.info(
      { processId: this.id, code: exit.code, signal: exit.signal, whileAgentDown },
      `🛑 Process ${this.id} ${reason} (${describeExit(exit)})${whileAgentDown ? ' while the agent was down' : ''}`,
    );
    await this.report(reason, exit.code);

    const limits = {
      baseMs: this.deps.config.restartBaseMs,
      maxMs: this.deps.config.restartMaxMs,
      stableAfterMs: this.deps.config.stableAfterMs,
      maxFastCrashes: this.deps.config.maxFastCrashes,
    };
    const decision =
      this.record.spec.mode === 'share'
        ? { restart: false as const, fastCrashes: 0, errored: null }
        : decideRestart(this.record.spec.restart, { ...exit, ranForMs, fastCrashes: rt.fastCrashes }, limits);
    rt.fastCrashes = decision.fastCrashes;
    if (decision.restart) {
      rt.state = 'backoff';
      rt.message = `restarting in ${Math.round(decision.delayMs / 100) / 10} s after ${describeExit(exit)}`;
      this.restartTimer = setTimeout(() => {
        rt.restarts++;
        this.start().catch((err: unknown) => {
          rt.state = 'errored';
          rt.message = `could not restart: ${(err as Error).message}`;
          this.persist();
        });
      }, decision.delayMs);
    } else {
      rt.state = decision.errored ? 'errored' : 'exited';
      rt.message = decision.errored;
      if (decision.errored) this.deps.log.error({ processId: this.id }, `❌ Process ${this.id} errored: ${decision.errored}`);
    }
    await this.deps.save();
  }

  /** DELETE …/processes/:id, retried a few times in the background if the coordinator cannot be reached. */
  private async report(reason: string, exitCode: number | null): Promise<void> {
    const body = { reason, ...(exitCode !== null ? { exitCode: Math.max(-255, Math.min(255, exitCode)) } : {}) };
    for (let attempt = 0; attempt < 5; attempt++) {
      const c = this.deps.client();
      if (!c) return;
      try {
        await c.unregisterProcess(this.record.gridId, this.id, body);
        this.deps.log.info({ processId: this.id, reason, exitCode }, `📤 Process ${this.id} unregistered (${reason})`);
        return;
      } catch (err) {
        if (err instanceof ApiError && !err.retryable) return; // not found / forbidden: nothing to tell
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }
}
