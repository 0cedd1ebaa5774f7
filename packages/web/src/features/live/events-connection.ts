import { CLOSE_CODES, type GridEvent } from '@gridshare/protocol';
import type { EndReason, LinkStatus } from './grid-state.js';
import { reconnectDelay } from './reconnect.policy.js';

/** The part of a browser WebSocket this uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface EventsConnectionOptions {
  /** Asked on every attempt, so a changed token is picked up. */
  url: () => string;
  /** Subprotocols to offer, asked on every attempt: the token rides here, never in the URL. */
  protocols?: () => string[];
  onEvent: (e: GridEvent) => void;
  onStatus: (s: LinkStatus) => void;
  onEnd: (reason: EndReason) => void;
  /**
   * Browsers do not show why an upgrade was refused (a 404 looks like a
   * network error), so after a failed attempt this asks the API whether the
   * grid is still there for us.
   */
  verify?: () => Promise<'ok' | EndReason>;
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  delay?: (attempt: number) => number;
}

const END_CODES: Record<number, EndReason> = {
  [CLOSE_CODES.unauthorized]: 'unauthorized',
  [CLOSE_CODES.notMember]: 'removed',
  [CLOSE_CODES.gridNotFound]: 'gone',
};

/**
 * One grid's events socket that comes back by itself: a snapshot on every
 * (re)connect, then changes. Retries with backoff until stopped or told the
 * grid is no longer ours.
 */
export class EventsConnection {
  private socket: SocketLike | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private stopped = false;
  private readonly create: (url: string, protocols: string[]) => SocketLike;
  private readonly delay: (attempt: number) => number;

  constructor(private readonly opts: EventsConnectionOptions) {
    this.create = opts.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike);
    this.delay = opts.delay ?? reconnectDelay;
  }

  start(): void {
    this.stopped = false;
    this.opts.onStatus('connecting');
    this.connect();
  }

  /** Skips the wait (the browser came back online, or the user asked). */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close(1000, 'page closed');
    }
  }

  private connect(): void {
    this.timer = undefined;
    let opened = false;
    let ws: SocketLike;
    try {
      ws = this.create(this.opts.url(), this.opts.protocols?.() ?? []);
    } catch {
      this.lost(false);
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (m) => {
      let event: GridEvent;
      try {
        event = JSON.parse(String(m.data)) as GridEvent;
      } catch {
        return;
      }
      if (event.type === 'snapshot') {
        this.attempt = 0;
        this.opts.onStatus('live');
      }
      this.opts.onEvent(event);
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws || this.stopped) return;
      this.socket = undefined;
      const end = END_CODES[ev.code];
      if (end) this.end(end);
      else this.lost(opened);
    };
  }

  private lost(opened: boolean): void {
    this.opts.onStatus('reconnecting');
    if (opened || !this.opts.verify) {
      this.schedule();
      return;
    }
    this.opts.verify().then(
      (r) => (r === 'ok' ? this.schedule() : this.end(r)),
      () => this.schedule(),
    );
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.connect(), this.delay(this.attempt++));
  }

  private end(reason: EndReason): void {
    this.stopped = true;
    this.opts.onEnd(reason);
  }
}
