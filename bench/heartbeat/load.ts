import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One simulated process: where its heartbeats go and as whom. */
export interface Target {
  processId: string;
  /** /api/v1/grids/:gridId/processes/:processId/heartbeat */
  path: string;
  /** "Bearer …" of the device that hosts it. */
  authorization: string;
}

/** What the load generator knows of a process when the load stops. */
export interface AckState {
  /** Sequence number (sent as health.uptimeSeconds) of the last heartbeat answered 200. */
  seq: number;
  /** Wall-clock time (ms since the epoch, sub-ms) at which that heartbeat was sent. */
  sentAtMs: number;
}

export interface SliceOptions {
  /** Load that is not measured first (JIT, token cache, sockets, the live map). */
  warmupMs: number;
  durationMs: number;
  /** Bound on requests in this slice, warm-up included. */
  maxRequests: number;
  /** Called when the measured window opens and when it closes (server CPU, profiles). */
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

export interface SliceResult {
  /** Heartbeats answered 200 that were sent in the measured window. */
  ok: number;
  errors: number;
  /** From the start of the measured window to the last of its answers. */
  elapsedMs: number;
  /** Latency (ms) of each measured heartbeat. */
  latencies: number[];
  /** performance.now() when the last answer arrived: the moment the load stopped. */
  stoppedAt: number;
}

const wallClockMs = () => performance.timeOrigin + performance.now();

/** The health an agent would send: alive, pid, uptime (our sequence number), cpu, rss. */
const body = (seq: number) =>
  `{"health":{"alive":true,"pid":4242,"uptimeSeconds":${seq},"cpuPercent":1.5,"rssBytes":104857600}}`;

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Drives one server: a fixed number of requests in flight over keep-alive
 * sockets (node:http), in slices bounded in time and in count. Each process
 * belongs to one slot, so its heartbeats go one after another as an agent
 * sends them; slots walk their processes round-robin. Sockets, sequence
 * numbers and acknowledgements carry over from slice to slice.
 */
export class LoadDriver {
  readonly concurrency: number;
  /** Last acknowledged heartbeat per process id. */
  readonly acks = new Map<string, AckState>();
  errorSamples: string[] = [];
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly slots: { targets: Target[]; next: number }[];
  private readonly seqs = new Map<string, number>();
  private readonly sockets = new Set<unknown>();

  constructor(
    baseUrl: string,
    targets: readonly Target[],
    concurrency: number,
    private readonly requestTimeoutMs = 10_000,
  ) {
    if (targets.length === 0) throw new Error('no targets');
    this.url = new URL(baseUrl);
    this.concurrency = Math.max(1, Math.min(concurrency, targets.length));
    this.agent = new Agent({ keepAlive: true, maxSockets: this.concurrency, maxFreeSockets: this.concurrency });
    this.slots = Array.from({ length: this.concurrency }, () => ({ targets: [] as Target[], next: 0 }));
    targets.forEach((t, i) => this.slots[i % this.concurrency]!.targets.push(t));
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  async slice(o: SliceOptions): Promise<SliceResult> {
    const latencies: number[] = [];
    let ok = 0;
    let errors = 0;
    let sent = 0;
    let lastMeasuredAnswer = 0;
    const measureStart = performance.now() + o.warmupMs;
    const end = measureStart + o.durationMs;
    let measuring = false;

    const one = (t: Target): Promise<void> =>
      new Promise((resolve) => {
        const seq = (this.seqs.get(t.processId) ?? 0) + 1;
        this.seqs.set(t.processId, seq);
        const payload = body(seq);
        const sentAtMs = wallClockMs();
        const t0 = process.hrtime.bigint();
        const inWindow = performance.now() >= measureStart;
        sent++;
        let done = false;
        const finish = (error: string | undefined) => {
          if (done) return;
          done = true;
          if (error !== undefined) {
            errors++;
            if (this.errorSamples.length < 5 && !this.errorSamples.includes(error)) this.errorSamples.push(error);
          } else {
            const prev = this.acks.get(t.processId);
            if (!prev || prev.seq < seq) this.acks.set(t.processId, { seq, sentAtMs });
            if (inWindow) {
              ok++;
              latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
              lastMeasuredAnswer = performance.now();
            }
          }
          resolve();
        };
        const req = request(
          {
            agent: this.agent,
            host: this.url.hostname,
            port: this.url.port,
            method: 'POST',
            path: t.path,
            headers: {
              authorization: t.authorization,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              if (res.statusCode !== 200 && text.length < 300) text += chunk;
            });
            res.on('end', () => finish(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            res.on('error', (err) => finish(err.message));
          },
        );
        req.on('socket', (s) => this.sockets.add(s));
        req.setTimeout(this.requestTimeoutMs, () => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)));
        req.on('error', (err) => finish(err.message));
        req.end(payload);
      });

    const run = async (slot: { targets: Target[]; next: number }) => {
      for (;;) {
        const now = performance.now();
        if (now >= end || sent >= o.maxRequests) return;
        if (!measuring && now >= measureStart) {
          measuring = true;
          o.onMeasureStart?.();
        }
        const t = slot.targets[slot.next]!;
        slot.next = (slot.next + 1) % slot.targets.length;
        await one(t);
      }
    };

    await Promise.all(this.slots.map(run));
    const stoppedAt = performance.now();
    if (measuring) o.onMeasureEnd?.();
    return {
      ok,
      errors,
      elapsedMs: measuring && ok > 0 ? Math.max(1, lastMeasuredAnswer - measureStart) : 0,
      latencies,
      stoppedAt,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}
