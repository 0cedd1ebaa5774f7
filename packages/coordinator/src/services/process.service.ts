import type {
  HeartbeatRequest,
  HeartbeatResponse,
  Process,
  ProcessHealth,
  ProcessStatus,
  RegisterProcessRequest,
  UnregisterRequest,
} from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config.js';
import { AppError, processNotFound, processStopped } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Database } from '../store/database.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';
import { ProcessEventsRepository } from '../store/process-events.repository.js';
import { type PendingBeat, ProcessesRepository } from '../store/processes.repository.js';
import type { AuthContext } from './auth.service.js';
import { atLeast, type GridAccess } from './grid-access.js';

type Transition = ProcessStatus | 'registered' | 'reregistered';

/** An online process this coordinator has seen: enough to answer its heartbeats without the database. */
interface LiveEntry {
  process: Process;
  /** What of its health a person would notice changing (see notable()). */
  notableKey: string;
  /** When subscribers last heard of it (Date.now()). */
  publishedAt: number;
}

/** Alive, open ports, players: a change here is news at once; CPU, memory and uptime can wait. */
function notable(h: ProcessHealth | null | undefined): string {
  if (!h) return '';
  const mc = h.minecraft;
  return JSON.stringify([h.alive, h.ports, mc?.reachable, mc?.playersOnline, mc?.playersMax, mc?.motd, mc?.version]);
}

/** Processes one member may host in one grid at a time (online or offline). */
export const MAX_LIVE_PROCESSES_PER_HOST = 100;
/** Stopped processes a grid keeps listed, with their history; older ones are deleted. */
export const KEEP_STOPPED_PER_GRID = 100;

/**
 * The process registry. Steady-state heartbeats touch only memory: they are
 * coalesced and written in one statement per flush interval, stamped with the
 * database clock. Anything that changes a status goes to the database at once.
 */
export class ProcessService {
  private readonly repo: ProcessesRepository;
  private readonly history: ProcessEventsRepository;
  private readonly live = new Map<string, LiveEntry>();
  private pending = new Map<string, PendingBeat>();
  private readonly heartbeatAnswer: HeartbeatResponse;
  private readonly changeListeners: Array<(p: Process) => void> = [];

  constructor(
    db: Database,
    private readonly access: GridAccess,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly config: CoordinatorConfig,
    private readonly metrics: Metrics,
  ) {
    this.repo = new ProcessesRepository(db);
    this.history = new ProcessEventsRepository(db);
    this.heartbeatAnswer = Object.freeze({
      status: 'online',
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      staleAfterMs: config.staleAfterMs,
    });
  }

  get repository(): ProcessesRepository {
    return this.repo;
  }

  /** Called after every state change is written (the tunnel relay closes streams of stopped or private processes). */
  onChange(listener: (p: Process) => void): void {
    this.changeListeners.push(listener);
  }

  async register(ctx: AuthContext, gridId: string, body: RegisterProcessRequest): Promise<{ process: Process; created: boolean }> {
    await this.access.requireMember(gridId, ctx.user.id);
    const id = body.id ?? randomUUID();
    // One member cannot fill a grid (every snapshot and list carries its processes).
    if ((await this.repo.countLiveOf(gridId, ctx.user.id, id)) >= MAX_LIVE_PROCESSES_PER_HOST) {
      throw new AppError('process_limit', `you already share ${MAX_LIVE_PROCESSES_PER_HOST} processes in this grid; stop one first`);
    }
    const before = body.id ? this.live.get(body.id)?.process.status : undefined;
    const result = await this.repo.upsert({
      id,
      gridId,
      hostDeviceId: ctx.device.id,
      hostUserId: ctx.user.id,
      name: body.name.trim(),
      kind: body.kind ?? 'generic',
      command: body.command ?? null,
      ports: (body.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'tcp' })),
      metadata: body.metadata ?? {},
      private: body.private ?? false,
    });
    if (!result) {
      throw new AppError('process_id_conflict', 'that process id is registered by another user or in another grid');
    }
    this.pending.delete(result.process.id);
    this.remember(result.process);
    await this.transitions([[result.process, result.created ? 'registered' : (before ?? 'reregistered')]]);
    return result;
  }

  /** The hot path: a known online process of the calling device costs no database round trip. */
  async heartbeat(ctx: AuthContext, gridId: string, processId: string, body: HeartbeatRequest): Promise<HeartbeatResponse> {
    const entry = this.live.get(processId);
    if (entry && entry.process.gridId === gridId && entry.process.hostDeviceId === ctx.device.id) {
      this.accept(entry, body);
      return this.heartbeatAnswer;
    }
    await this.access.requireMember(gridId, ctx.user.id);
    const found = await this.repo.find(processId);
    if (!found || found.gridId !== gridId) throw processNotFound();
    if (found.hostDeviceId !== ctx.device.id) {
      if (found.status === 'stopped') throw processNotFound();
      throw new AppError('forbidden', 'only the device that hosts a process may send its heartbeats');
    }
    // Stopped is final for its heartbeats: the host learns it (a grid owner or admin may have stopped it)
    // instead of registering it again; starting it again is a new registration.
    if (found.status === 'stopped') throw processStopped(found);
    if (found.status === 'offline') {
      const revived = await this.repo.reviveOffline(processId, body.health);
      if (revived) {
        this.metrics.heartbeats.inc();
        this.remember(revived);
        await this.transitions([[revived, 'offline']]);
        return this.heartbeatAnswer;
      }
    }
    // Online but unknown here (this coordinator restarted, or another one took the registration).
    this.accept(this.remember(found), body);
    return this.heartbeatAnswer;
  }

  /**
   * Records a heartbeat for the next flush. Subscribers hear of it at once when
   * something notable changed, otherwise at most once per heartbeat interval
   * (so a "last heartbeat" shown to people never lags more than that, and a
   * flood of heartbeats is not a flood of events).
   */
  private accept(entry: LiveEntry, body: HeartbeatRequest): void {
    this.metrics.heartbeats.inc();
    const id = entry.process.id;
    const prev = this.pending.get(id);
    const health = body.health ?? prev?.health;
    this.pending.set(id, { id, health });
    const now = Date.now();
    const due = now - entry.publishedAt >= this.config.heartbeatIntervalMs;
    const key = body.health === undefined ? entry.notableKey : notable(body.health);
    if (!due && key === entry.notableKey) return;
    entry.notableKey = key;
    entry.publishedAt = now;
    entry.process = { ...entry.process, ...(health ? { health } : {}), lastHeartbeatAt: new Date(now).toISOString() };
    this.bus.publish(entry.process.gridId, { type: 'process', process: entry.process });
  }

  async unregister(ctx: AuthContext, gridId: string, processId: string, body: UnregisterRequest): Promise<Process> {
    const member = await this.access.requireMember(gridId, ctx.user.id);
    const found = await this.repo.find(processId);
    if (!found || found.gridId !== gridId) throw processNotFound();
    const isHost = found.hostDeviceId === ctx.device.id;
    if (!isHost && !atLeast(member.role, 'admin')) {
      throw new AppError('forbidden', 'only the device that hosts a process, or a grid owner or admin, may stop it');
    }
    if (found.status === 'stopped') return found;
    const reason = isHost ? (body.reason ?? 'stopped') : 'force_stopped';
    const stopped = await this.repo.stop(processId, reason, isHost ? (body.exitCode ?? null) : null);
    if (!stopped) return (await this.repo.find(processId)) ?? found;
    this.forget(processId);
    await this.transitions([[stopped, found.status]]);
    await this.pruneStopped(gridId);
    return stopped;
  }

  /** Stopped processes stay listed (with their history) — the newest KEEP_STOPPED_PER_GRID of each grid. */
  private async pruneStopped(gridId: string): Promise<void> {
    const n = await this.repo.pruneStopped(gridId, KEEP_STOPPED_PER_GRID);
    if (n > 0) this.log.info({ event: 'process.pruned', gridId, count: n }, `${n} old stopped process(es) removed from grid ${gridId}`);
  }

  /** A member left or was removed: what they host there stops with them. */
  async stopAllOfUser(gridId: string, userId: string, reason: string): Promise<void> {
    const stopped = await this.repo.stopAllOfUser(gridId, userId, reason);
    for (const p of stopped) this.forget(p.id);
    await this.transitions(stopped.map((p) => [p, 'online'] as const));
    if (stopped.length > 0) await this.pruneStopped(gridId);
  }

  async list(ctx: AuthContext, gridId: string, status?: ProcessStatus): Promise<Process[]> {
    await this.access.requireMember(gridId, ctx.user.id);
    return this.repo.list(gridId, status);
  }

  async get(ctx: AuthContext, gridId: string, processId: string): Promise<Process> {
    await this.access.requireMember(gridId, ctx.user.id);
    const p = await this.repo.find(processId);
    if (!p || p.gridId !== gridId) throw processNotFound();
    return p;
  }

  /** Writes the coalesced heartbeats. On failure they stay pending and are written by a later flush. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    const end = this.metrics.flushDuration.startTimer();
    try {
      const stillOnline = await this.repo.recordHeartbeats([...batch.values()]);
      for (const id of batch.keys()) if (!stillOnline.has(id)) this.live.delete(id);
      return batch.size;
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        this.requeue(batch.values());
        throw err;
      }
      // A bad entry must not hold up everyone else's: write them one by one and drop what fails.
      this.log.warn({ err }, 'heartbeat batch failed; writing its entries one by one');
      const beats = [...batch.values()];
      for (let i = 0; i < beats.length; i++) {
        const beat = beats[i]!;
        try {
          if (!(await this.repo.recordHeartbeat(beat.id, beat.health))) this.live.delete(beat.id);
        } catch (one) {
          if (isDatabaseUnavailable(one)) {
            this.requeue(beats.slice(i));
            throw one;
          }
          this.log.error({ err: one, processId: beat.id }, 'heartbeat could not be written; dropped');
        }
      }
      return batch.size;
    } finally {
      end();
    }
  }

  private requeue(beats: Iterable<PendingBeat>): void {
    for (const beat of beats) if (!this.pending.has(beat.id)) this.pending.set(beat.id, beat);
  }

  /** Marks overdue processes offline (by the database clock) and tells subscribers. */
  async expireOverdue(): Promise<Process[]> {
    // A heartbeat that arrived after the sweep's flush is proof of life: never expire it.
    const expired = await this.repo.expireStale(this.config.staleAfterMs, [...this.pending.keys()]);
    for (const p of expired) {
      this.live.delete(p.id);
      this.metrics.expiries.inc();
    }
    await this.transitions(expired.map((p) => [p, 'online'] as const));
    return expired;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private remember(p: Process): LiveEntry {
    if (p.status !== 'online') {
      this.live.delete(p.id);
      return { process: p, notableKey: notable(p.health), publishedAt: Date.now() };
    }
    const entry = { process: p, notableKey: notable(p.health), publishedAt: Date.now() };
    this.live.set(p.id, entry);
    return entry;
  }

  private forget(id: string): void {
    this.live.delete(id);
    this.pending.delete(id);
  }

  async historyOf(ctx: AuthContext, gridId: string, processId: string) {
    await this.get(ctx, gridId, processId);
    return this.history.list(processId);
  }

  /** One log line, one event and one history entry per state change. */
  private async transitions(changes: ReadonlyArray<readonly [Process, Transition]>): Promise<void> {
    for (const [p, from] of changes) this.announce(p, from);
    await this.history
      .append(changes.map(([p, from]) => ({ processId: p.id, from, to: p.status, reason: p.stopReason, exitCode: p.exitCode })))
      .catch((err: unknown) => this.log.warn({ err }, 'could not record process history'));
  }

  private announce(p: Process, from: Transition): void {
    this.metrics.transitions.inc({ to: p.status });
    this.log.info(
      {
        event: 'process.transition',
        processId: p.id,
        gridId: p.gridId,
        from,
        to: p.status,
        ...(p.status === 'stopped' ? { reason: p.stopReason, exitCode: p.exitCode } : {}),
      },
      `process ${p.id} (${p.name}) ${from} → ${p.status}`,
    );
    this.bus.publish(p.gridId, { type: 'process', process: p });
    for (const listener of this.changeListeners) listener(p);
  }
}
