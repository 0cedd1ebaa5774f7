import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config.js';
import { graceUntil, mayExpire } from '../policies/liveness.policy.js';
import type { ProcessService } from './process.service.js';

/**
 * Drives the two clocks of liveness: the heartbeat flush and the expiry sweep.
 * It also holds expiries back for one stale window after start and after the
 * database comes back, so that neither a coordinator restart nor an outage
 * ever marks a live process offline.
 */
export class LivenessService {
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<unknown> | undefined;
  private sweeping = false;
  private graceUntilMs = 0;
  private databaseFailing = false;

  constructor(
    private readonly processes: ProcessService,
    private readonly config: CoordinatorConfig,
    private readonly log: Logger,
    /** A cheap query that throws while the database is unreachable. */
    private readonly probeDatabase: () => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.graceUntilMs = graceUntil(this.now(), this.config.staleAfterMs);
    this.flushTimer = setInterval(() => void this.flush(), this.config.flushIntervalMs);
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.flushTimer.unref();
    this.sweepTimer.unref();
  }

  /** Writes pending heartbeats; never throws (failures are retried by the next flush). */
  flush(): Promise<unknown> {
    this.flushing ??= this.processes
      .flush()
      .then((written) => written > 0 && this.databaseOk())
      .catch((err: unknown) => this.databaseFailed(err, 'heartbeat flush'))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      // Heartbeats received so far must count before anything is judged overdue.
      await this.flush();
      if (this.databaseFailing) {
        // A flush that writes proves recovery only while heartbeats arrive; if every host died meanwhile, none do,
        // so ask the database ourselves. Recovery starts the grace window: no expiry in this sweep either way.
        await this.probeDatabase();
        this.databaseOk();
        return;
      }
      if (!mayExpire(this.now(), this.graceUntilMs)) return;
      await this.processes.expireOverdue();
      this.databaseOk();
    } catch (err) {
      this.databaseFailed(err, 'expiry sweep');
    } finally {
      this.sweeping = false;
    }
  }

  /** Final flush on shutdown. */
  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    await this.flushing;
    await this.processes.flush().catch((err: unknown) => this.log.error({ err }, 'final heartbeat flush failed'));
  }

  get inGrace(): boolean {
    return !mayExpire(this.now(), this.graceUntilMs);
  }

  private databaseOk(): void {
    if (!this.databaseFailing) return;
    this.databaseFailing = false;
    this.graceUntilMs = graceUntil(this.now(), this.config.staleAfterMs);
    this.log.warn(
      { event: 'database.recovered', graceMs: this.config.staleAfterMs },
      'database reachable again; every online process gets a full stale window before it can expire',
    );
  }

  private databaseFailed(err: unknown, what: string): void {
    if (!this.databaseFailing) this.log.error({ err, event: 'database.failing' }, `${what} failed; expiries are paused`);
    this.databaseFailing = true;
  }
}
