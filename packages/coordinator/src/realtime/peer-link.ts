import { API_PREFIX, type LinkHello, LinkWelcome, PROTOCOL_VERSION, tryParseJson } from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { CoordinatorRecord } from '../store/cluster.repository.js';
import type { RelayLink, RelayStream } from './relay-stream.js';

/** How long a peer may take to answer the hello. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Header naming the coordinator that opens a peer link (for the other's logs). */
export const PEER_HEADER = 'x-grid-coordinator';

export interface PeerHandler {
  frame(link: RelayLink, frame: Buffer): void;
  closed(link: RelayLink): void;
}

/**
 * Our link to another coordinator of the same database (peer-out): it
 * carries the streams our guests open to hosts whose agent links are there.
 * We open every stream on it, with odd ids, as an agent would.
 */
export class PeerLink implements RelayLink {
  readonly kind = 'peer-out';
  readonly streams = new Map<number, RelayStream>();
  readonly userId = 'coordinator';
  bufferedHighWater = 0;
  private nextSid = -1;
  private isOpen = true;

  private constructor(
    private readonly ws: WebSocket,
    readonly peer: CoordinatorRecord,
  ) {}

  /** Opens the link and says hello; resolves once the peer welcomed us. */
  static async connect(self: string, peer: CoordinatorRecord, handler: PeerHandler, log: Logger): Promise<PeerLink> {
    const url = new URL(`${API_PREFIX}/cluster/link`, peer.url.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${peer.secret}`, [PEER_HEADER]: self },
      perMessageDeflate: false,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      // Zero masks: XOR with zeros leaves the payload as it is (no per-byte masking loop), as the agents do.
      generateMask: (mask: Buffer) => void mask.fill(0),
    });
    const link = new PeerLink(ws, peer);
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`peer link to ${peer.url}: ${why}`));
      };
      const timer = setTimeout(() => fail('no welcome in time'), CONNECT_TIMEOUT_MS);
      ws.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
      ws.once('error', (err) => fail(err.message));
      ws.once('close', (code) => fail(`closed (${code})`));
      ws.once('open', () => {
        const hello: LinkHello = { type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'coordinator' };
        ws.send(JSON.stringify(hello));
      });
      ws.once('message', (data: Buffer, isBinary) => {
        const welcome = isBinary ? undefined : tryParseJson(data);
        if (!Value.Check(LinkWelcome, welcome)) return fail('the first message was not a welcome');
        clearTimeout(timer);
        for (const event of ['close', 'error', 'unexpected-response'] as const) ws.removeAllListeners(event);
        ws.on('error', () => {}); // a 'close' follows
        resolve();
      });
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) handler.frame(link, data);
    });
    ws.on('close', () => {
      link.isOpen = false;
      handler.closed(link);
    });
    log.info({ event: 'peer.connected', peer: peer.id, url: peer.url }, 'peer link to another coordinator open');
    return link;
  }

  get deviceId(): string {
    return this.peer.id;
  }
  get open(): boolean {
    return this.isOpen && this.ws.readyState === WebSocket.OPEN;
  }

  allocateHostSid(): number {
    do this.nextSid = this.nextSid >= 0xffff_fffd ? 1 : this.nextSid + 2;
    while (this.streams.has(this.nextSid));
    return this.nextSid;
  }

  send(frame: Buffer): void {
    if (!this.open) return;
    this.ws.send(frame);
    if (this.ws.bufferedAmount > this.bufferedHighWater) this.bufferedHighWater = this.ws.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.ws.close(code, reason);
  }
}
