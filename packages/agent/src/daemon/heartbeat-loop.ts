import { ApiError, type GridClient, type HeartbeatResponse, type ProcessHealth, type RegisterProcessRequest } from '@gridshare/protocol';
import type { Logger } from 'pino';

export interface HeartbeatTarget {
  id: string;
  gridId: string;
  registration(): RegisterProcessRequest;
  health(): Promise<ProcessHealth>;
}

export interface BeatResult {
  ok: boolean;
  error?: string;
  /** The coordinator refused the token: heartbeats stop until the user logs in again. */
  unauthorized?: boolean;
  /** The grid stopped it (an owner or admin, or this user left the grid): heartbeats end, and the process should too. */
  stoppedByGrid?: boolean;
}

/** Answers after which beating again can never succeed: the process is stopped in its grid. */
const FINAL: Record<string, (message: string) => string> = {
  process_stopped: (message) => message,
  grid_not_found: () => 'the grid is gone, or this user is no longer in it',
};

/** The design note logs the first heartbeat and then every 10th. */
const LOG_EVERY = 10;
const DEFAULT_INTERVAL_MS = 30_000;

/**
 * One process's heartbeat: registers it (with the agent's id, so it is
 * idempotent), beats every heartbeatIntervalMs as the coordinator says, retries
 * failures soon (1 s, 2 s, 4 s … never later than the interval) so one lost
 * request never lets a live process go offline, re-registers on 404, and stops
 * on 401 (until a new login) and when the grid says the process is stopped.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private registered = false;
  private beats = 0;
  private failuresInRow = 0;
  private intervalMs = DEFAULT_INTERVAL_MS;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly target: HeartbeatTarget,
    private readonly client: () => GridClient | null,
    private readonly log: Logger,
    private readonly onResult: (r: BeatResult, sent: number) => void,
  ) {}

  /** `registered`: true when resuming a process the coordinator already knows. */
  start(registered: boolean): void {
    this.registered = registered;
    this.log.info({ processId: this.target.id }, `🫀 Starting process heartbeat for process ${this.target.id}`);
    this.schedule(0);
    this.log.info({ processId: this.target.id }, `✅ Heartbeat task started for process: ${this.target.id}`);
  }

  /** Registers now (used by `grid run` to report the result); later failures are retried by the loop. */
  async registerNow(): Promise<void> {
    const c = this.client();
    if (!c) throw new ApiError(401, 'unauthorized', 'not logged in');
    await c.registerProcess(this.target.gridId, this.target.registration());
    this.registered = true;
    this.log.info({ processId: this.target.id }, `✅ Process ${this.target.id} successfully registered with backend`);
  }

  /** Registers again now (the registration changed); until that succeeds, the loop keeps trying. */
  async reregister(): Promise<void> {
    this.registered = false;
    await this.registerNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => (this.inFlight = undefined));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const c = this.client();
    if (!c) {
      this.onResult({ ok: false, error: 'not logged in', unauthorized: true }, this.beats);
      return;
    }
    try {
      if (!this.registered) await this.registerNow();
      const health = await this.target.health();
      const res: HeartbeatResponse = await c.heartbeat(this.target.gridId, this.target.id, { health });
      if (this.stopped) return;
      this.intervalMs = res.heartbeatIntervalMs;
      this.beats++;
      this.failuresInRow = 0;
      if (this.beats === 1 || this.beats % LOG_EVERY === 0) {
        this.log.info({ processId: this.target.id, beats: this.beats }, `💓 Heartbeat ${this.beats} sent for process ${this.target.id}`);
      }
      this.onResult({ ok: true }, this.beats);
      this.schedule(this.intervalMs);
    } catch (err) {
      if (this.stopped) return;
      const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', (err as Error).message);
      if (e.status === 401) {
        this.log.error({ processId: this.target.id }, `❌ Heartbeat refused for process ${this.target.id}: the token is no longer valid; run \`grid login\` again`);
        this.onResult({ ok: false, error: "the coordinator refused this PC's token; run `grid login` again", unauthorized: true }, this.beats);
        return; // stays stopped until a new login restarts the loops
      }
      const final = FINAL[e.code];
      if (final) {
        const why = final(e.message);
        this.stopped = true;
        this.log.warn({ processId: this.target.id, code: e.code }, `🛑 Process ${this.target.id} was stopped in its grid: ${why}; stopping it here`);
        this.onResult({ ok: false, error: why, stoppedByGrid: true }, this.beats);
        return;
      }
      if (e.code === 'process_not_found') {
        this.log.warn({ processId: this.target.id }, `🔁 Process ${this.target.id} is unknown to the coordinator; registering it again`);
        this.registered = false;
        this.schedule(0);
        return;
      }
      this.failuresInRow++;
      const retryMs = Math.min(this.intervalMs, 1000 * 2 ** Math.min(this.failuresInRow - 1, 10));
      this.log.warn(
        { processId: this.target.id, code: e.code, retryMs },
        `⚠️ Heartbeat failed for process ${this.target.id}: ${e.message}; retrying in ${Math.round(retryMs / 100) / 10} s`,
      );
      this.onResult({ ok: false, error: e.message }, this.beats);
      this.schedule(retryMs);
    }
  }
}
