import {
  DEFAULT_WINDOW_BYTES,
  type Frame,
  HEADER_BYTES,
  type LinkHello,
  type LinkStatus,
  LinkWelcome,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type TunnelErrorCode,
  TunnelFrameError,
  tryParseJson,
} from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
import { decodeFrame, encodeData, encodeFrame, frameKind, frameStream } from '@gridshare/protocol/tunnel-codec';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Session } from '../daemon/session.js';
import { corkForTick, type StreamLink, type TunnelStats, TunnelStream } from './tunnel-stream.js';
import { dataFrameHead } from './ws-data-frame.js';

/** The coordinator asks us (as host) to open a stream to one of our processes. */
export interface HostOpen {
  sid: number;
  processId: string;
  port: number;
  connectionId: string | null;
}

export class TunnelOpenError extends Error {
  override name = 'TunnelOpenError';
  constructor(
    readonly code: TunnelErrorCode | 'not_connected',
    message: string,
  ) {
    super(message);
  }
}

interface PendingOpen {
  socket: Socket;
  resolve(opened: { stream: TunnelStream; connectionId: string | null }): void;
  reject(err: TunnelOpenError): void;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * The agent's one WebSocket to the coordinator while logged in: a hello, then
 * tunnel frames. Reconnects with backoff; stops on a refused token until the
 * next login. Streams opened here (as guest) get odd ids.
 */
export class CoordinatorLink implements StreamLink {
  readonly stats: TunnelStats = { streamsOpened: 0, receiveBufferedHighWater: 0, sendPendingHighWater: 0 };
  private ws: WebSocket | null = null;
  /** The link's TCP socket (for corking). */
  private raw: Socket | null = null;
  private welcome: LinkWelcome | null = null;
  private state: LinkStatus['state'] = 'logged_out';
  private since = new Date().toISOString();
  private lastError: string | null = null;
  private readonly streams = new Map<number, TunnelStream>();
  private readonly opening = new Map<number, PendingOpen>();
  private readonly dialing = new Map<number, () => void>();
  private nextSid = 1;
  private attempt = 0;
  private wanted = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastHeard = 0;

  constructor(
    private readonly session: Session,
    private readonly agentVersion: string,
    private readonly log: Logger,
    private readonly onHostOpen: (link: CoordinatorLink, req: HostOpen) => void,
  ) {
    // Socket reads are fresh buffers: have V8 free dead ones during young collections, not on a
    // background thread that falls behind and so sets off full collections (see tunnel-relay.ts
    // in the coordinator, and docs/architecture.md).
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  }

  start(): void {
    this.wanted = true;
    if (!this.ws) this.connect();
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    const ws = this.ws;
    this.ws = null; // its 'close' event is no longer ours
    this.raw = null;
    this.welcome = null;
    this.dropped('link_lost', 'the agent left the coordinator');
    ws?.close(1000, 'agent stopping');
    this.setState('logged_out');
  }

  /** A new login: the link starts over with the new token. */
  restart(): void {
    this.stop();
    this.start();
  }

  status(): LinkStatus {
    return {
      state: this.state,
      since: this.since,
      lastError: this.lastError,
      windowBytes: this.windowBytes,
      openStreams: this.streams.size,
      ...this.stats,
    };
  }

  get windowBytes(): number {
    return this.welcome?.windowBytes ?? DEFAULT_WINDOW_BYTES;
  }

  private setState(state: LinkStatus['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
  }

  private connect(): void {
    const client = this.session.client();
    if (!client || !this.wanted) return this.setState('logged_out');
    this.setState('connecting');
    const ws = new WebSocket(client.linkUrl(), {
      headers: { authorization: `Bearer ${client.token}` },
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES + 1024,
      handshakeTimeout: 10_000,
      // A zero mask: ws then skips masking here and unmasking at the coordinator (a JS loop over
      // every byte without bufferutil). Masking protects proxies from browser scripts; this is no
      // browser, and over wss:// nothing in between sees the bytes anyway. See docs/architecture.md.
      generateMask: (mask: Buffer) => void mask.fill(0),
    });
    this.ws = ws;
    this.raw = null;
    ws.on('upgrade', (res) => (this.raw = res.socket));
    ws.on('open', () => {
      const hello: LinkHello = { type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: this.agentVersion };
      ws.send(JSON.stringify(hello));
    });
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      this.closed(ws, res.statusCode === 401 ? 4401 : 1006, `HTTP ${res.statusCode}`);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      this.lastHeard = Date.now();
      if (isBinary && this.welcome) return this.frame(data);
      if (!isBinary && !this.welcome) return this.welcomed(ws, data);
      ws.terminate();
    });
    ws.on('ping', () => (this.lastHeard = Date.now()));
    ws.on('error', (err) => (this.lastError = err.message));
    ws.on('close', (code, reason) => this.closed(ws, code, reason.toString()));
  }

  private welcomed(ws: WebSocket, data: Buffer): void {
    const welcome = tryParseJson(data);
    if (!Value.Check(LinkWelcome, welcome)) {
      this.lastError = 'the coordinator’s first message was not a welcome';
      this.log.warn({ event: 'link.bad_welcome' }, 'the coordinator’s first message on the agent link was not a welcome; reconnecting');
      return ws.terminate();
    }
    this.welcome = welcome;
    this.attempt = 0;
    this.lastError = null;
    this.lastHeard = Date.now();
    this.setState('connected');
    const every = this.welcome.pingIntervalMs;
    // The coordinator pings every interval; three intervals of silence mean the connection is dead.
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastHeard > 3 * every) ws.terminate();
    }, every);
    this.watchdog.unref();
    this.log.info({ event: 'link.connected' }, 'connected to the coordinator (agent link)');
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.raw = null;
    clearInterval(this.watchdog);
    const wasUp = this.welcome !== null;
    this.welcome = null;
    this.dropped('link_lost', 'the link to the coordinator was lost');
    if (reason) this.lastError = `${code} ${reason}`;
    if (wasUp) this.log.warn({ event: 'link.closed', code, reason }, 'agent link closed');
    if (!this.wanted) return;
    if (code === 4401) {
      this.setState('unauthorized');
      this.lastError = "the coordinator refused this PC's token; run `grid login` again";
      return;
    }
    this.setState('connecting');
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(this.attempt++, 8)) * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  /** The link went: every stream, open or opening, ends here too. */
  private dropped(code: TunnelErrorCode, message: string): void {
    for (const s of [...this.streams.values()]) s.onReset(code, message);
    for (const [sid, p] of [...this.opening]) {
      this.opening.delete(sid);
      p.reject(new TunnelOpenError(code, message));
    }
    for (const abort of [...this.dialing.values()]) abort();
    this.dialing.clear();
  }

  send(frame: Buffer): void {
    const ws = this.ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    if (this.raw) corkForTick(this.raw);
    ws.send(frame);
  }

  /**
   * DATA without copying the payload: the WebSocket frame header and the
   * tunnel header go in one small buffer, the payload (a view of the socket
   * read) after it, both written straight to the link's TCP socket. ws would
   * take only one buffer per message, so it would need header and payload
   * copied together — a fresh 16 KiB buffer per frame, which is what made V8
   * run full collections. Safe beside ws's own writes: ws writes each frame
   * whole and synchronously (no compression here), and so do we.
   */
  sendData(stream: number, payload: Buffer): void {
    const ws = this.ws;
    const raw = this.raw;
    if (ws?.readyState !== WebSocket.OPEN) return;
    if (!raw) return ws.send(encodeData(stream, payload)); // never seen: ws emits 'upgrade' before 'open'
    corkForTick(raw);
    raw.write(dataFrameHead(stream, payload.length));
    raw.write(payload);
  }

  forget(stream: TunnelStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  private frame(buf: Buffer): void {
    if (frameKind(buf) === 'data' && buf.length > HEADER_BYTES && buf.length <= MAX_FRAME_BYTES) {
      return this.streams.get(frameStream(buf))?.onData(buf.subarray(HEADER_BYTES));
    }
    let f: Frame;
    try {
      f = decodeFrame(buf);
    } catch (err) {
      this.log.warn({ err: (err as TunnelFrameError).message }, 'bad frame from the coordinator; reconnecting');
      return this.ws?.terminate();
    }
    switch (f.type) {
      case 'open':
        return this.onHostOpen(this, { sid: f.stream, processId: f.processId, port: f.port, connectionId: f.connectionId });
      case 'open_ok':
        return this.opened(f.stream, f.connectionId);
      case 'open_fail':
      case 'rst': {
        const p = this.opening.get(f.stream);
        if (p) {
          this.opening.delete(f.stream);
          return p.reject(new TunnelOpenError(f.code, f.message));
        }
        const abort = this.dialing.get(f.stream);
        if (abort) {
          this.dialing.delete(f.stream);
          return abort();
        }
        return this.streams.get(f.stream)?.onReset(f.code, f.message);
      }
      case 'window':
        return this.streams.get(f.stream)?.onWindow(f.credit);
      case 'fin':
        return this.streams.get(f.stream)?.onFin();
      case 'data':
        return;
    }
  }

  /**
   * As guest: asks for a stream to a process for a local socket (paused until
   * then). The stream is created in the same tick as OPEN_OK arrives, so DATA
   * right behind it finds it.
   */
  openStream(processId: string, port: number, socket: Socket): Promise<{ stream: TunnelStream; connectionId: string | null }> {
    if (!this.welcome) {
      return Promise.reject(new TunnelOpenError('not_connected', `not connected to the coordinator${this.lastError ? ` (${this.lastError})` : ''}`));
    }
    do this.nextSid = this.nextSid >= 0xffff_fffd ? 1 : this.nextSid + 2;
    while (this.streams.has(this.nextSid) || this.opening.has(this.nextSid));
    const sid = this.nextSid;
    this.send(encodeFrame({ type: 'open', stream: sid, processId, port, connectionId: null }));
    return new Promise((resolve, reject) => this.opening.set(sid, { socket, resolve, reject }));
  }

  private opened(sid: number, connectionId: string | null): void {
    const p = this.opening.get(sid);
    if (!p) return;
    this.opening.delete(sid);
    const stream = this.adopt(sid, p.socket);
    p.resolve({ stream, connectionId });
  }

  private adopt(sid: number, socket: Socket): TunnelStream {
    const stream = new TunnelStream(sid, socket, this, this.windowBytes);
    this.streams.set(sid, stream);
    this.stats.streamsOpened++;
    stream.start();
    return stream;
  }

  // ---- as host -----------------------------------------------------------------------------

  /** A host-side open is being dialled; `abort` runs if the stream is reset (or the link drops) meanwhile. */
  dialingFor(sid: number, abort: () => void): void {
    this.dialing.set(sid, abort);
  }

  /** Whether a host-side open is still wanted (not reset while we dialled). */
  stillDialing(sid: number): boolean {
    return this.dialing.has(sid);
  }

  /** The local process answered: the stream starts (before OPEN_OK goes out, so the guest's first DATA finds it). */
  accept(sid: number, socket: Socket): TunnelStream {
    this.dialing.delete(sid);
    const stream = this.adopt(sid, socket);
    this.send(encodeFrame({ type: 'open_ok', stream: sid, connectionId: null }));
    return stream;
  }

  refuse(sid: number, code: TunnelErrorCode, message: string): void {
    this.dialing.delete(sid);
    this.send(encodeFrame({ type: 'open_fail', stream: sid, code, message }));
  }
}
