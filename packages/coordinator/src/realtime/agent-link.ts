import { CLOSE_CODES, LinkHello, type LinkWelcome, PROTOCOL_VERSION } from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AuthContext } from '../services/auth.service.js';
import { keepAlive } from './keep-alive.js';
import type { RelayLink, RelayStream } from './relay-stream.js';

/** An agent that opens its link and says nothing is cut off after this long. */
const HELLO_TIMEOUT_MS = 10_000;

export interface LinkLimits {
  windowBytes: number;
  maxDataBytes: number;
  idleTimeoutMs: number;
  pingIntervalMs: number;
  maxStreams: number;
}

/** What the relay does with a link once it has said hello. */
export interface LinkHandler {
  /** The link said hello; the handler registers it and resolves once guests on every coordinator can reach it. */
  ready(link: AgentLink): Promise<void>;
  frame(link: RelayLink, frame: Buffer): void;
  closed(link: RelayLink): void;
}

/**
 * One agent's WebSocket: the hello, pings, and sending. Its `streams` map
 * holds the relay streams this link is an end of, by this link's stream id
 * (odd: the agent opened it as a guest; even: we opened it toward the agent as host).
 */
export class AgentLink implements RelayLink {
  readonly streams = new Map<number, RelayStream>();
  /** The most bytes this link's socket held unsent after one of our sends. */
  bufferedHighWater = 0;
  private nextHostSid = 0;
  private isReady = false;
  private closed = false;
  /** Frames sent between the hello and our welcome: the agent takes no binary frame before the welcome. */
  private beforeWelcome: Buffer[] | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly auth: AuthContext,
    private readonly limits: LinkLimits,
    private readonly handler: LinkHandler,
    private readonly log: Logger,
    /** peer-in: another coordinator's link to this one (auth is a stand-in; streams come checked). */
    readonly kind: 'agent' | 'peer-in' = 'agent',
  ) {
    const helloTimer = setTimeout(() => this.close(CLOSE_CODES.protocolError, 'say hello first'), HELLO_TIMEOUT_MS);
    keepAlive(socket, limits.pingIntervalMs);
    socket.on('message', (data: Buffer, isBinary) => {
      if (this.isReady && isBinary) return handler.frame(this, data);
      if (!this.isReady && !isBinary) {
        clearTimeout(helloTimer);
        return this.hello(data);
      }
      this.close(CLOSE_CODES.protocolError, this.isReady ? 'only binary frames after hello' : 'the first message is a JSON hello');
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.closed = true;
      if (this.isReady) handler.closed(this);
    });
    socket.on('error', () => {});
  }

  get deviceId(): string {
    return this.auth.device.id;
  }
  get userId(): string {
    return this.auth.user.id;
  }
  get open(): boolean {
    return this.isReady && !this.closed;
  }

  private hello(data: Buffer): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      msg = undefined;
    }
    if (!Value.Check(LinkHello, msg)) return this.close(CLOSE_CODES.protocolError, 'the first message is {"type":"hello","protocol":N,"agentVersion":"…"}');
    if (msg.protocol !== PROTOCOL_VERSION) {
      return this.close(CLOSE_CODES.unsupportedProtocol, `this coordinator speaks protocol ${PROTOCOL_VERSION}, the agent ${msg.protocol}: update the older one`);
    }
    this.isReady = true;
    this.beforeWelcome = [];
    const agentVersion = msg.agentVersion;
    // Welcomed once the link's place is recorded: from then on a guest on any coordinator reaches this agent.
    void this.handler.ready(this).then(() => this.welcome(agentVersion));
  }

  private welcome(agentVersion: string): void {
    const held = this.beforeWelcome ?? [];
    this.beforeWelcome = null;
    if (this.closed) return;
    const welcome: LinkWelcome = { type: 'welcome', protocol: PROTOCOL_VERSION, ...this.limits };
    this.socket.send(JSON.stringify(welcome));
    for (const frame of held) this.send(frame);
    this.log.info({ event: 'link.connected', userId: this.userId, deviceId: this.deviceId, agentVersion }, 'agent link connected');
  }

  /** A fresh even stream id for a stream we open toward this agent. */
  allocateHostSid(): number {
    do this.nextHostSid = this.nextHostSid >= 0xffff_fffe ? 2 : this.nextHostSid + 2;
    while (this.streams.has(this.nextHostSid));
    return this.nextHostSid;
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    if (this.beforeWelcome) {
      this.beforeWelcome.push(frame);
      return;
    }
    // Frames sent in one tick (all those one read from the other link carried) leave in one writev,
    // not one syscall each. ws keeps its net.Socket in `_socket`; its own cork/uncork per frame nests inside ours.
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (raw && raw.writableCorked === 0) {
      raw.cork();
      process.nextTick(() => raw.uncork());
    }
    this.socket.send(frame);
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.bufferedHighWater) this.bufferedHighWater = buffered;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // 'close' follows once the closing handshake ends; the streams go now.
    if (this.isReady) this.handler.closed(this);
    this.isReady = false;
  }
}
