import { CLOSE_CODES, type Frame, HEADER_BYTES, MAX_FRAME_BYTES, type TunnelErrorCode, TunnelFrameError } from '@gridshare/protocol';
import { decodeFrame, encodeFrame, frameKind, frameStream, setFrameStream } from '@gridshare/protocol/tunnel-codec';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AuthContext } from '../services/auth.service.js';
import { AgentLink, type LinkHandler, type LinkLimits } from './agent-link.js';
import { type RelayLink, RelayStream } from './relay-stream.js';
import { type RelayPolicy, type RelayStats, TunnelRefusal } from './relay-policy.js';

/** A host that neither accepts nor refuses a stream within this long: the guest hears open_timeout. */
const OPEN_TIMEOUT_MS = 15_000;
/** A peer link carries many agents' streams: this many times one agent's limit. */
const PEER_STREAMS_FACTOR = 64;

/**
 * Routes tunnel frames between agent links. Holds no data: DATA is forwarded
 * as it arrives (its stream id rewritten in place), and a sender that exceeds
 * the credit it was given is reset, so per stream at most one window per
 * direction is ever in flight through this coordinator.
 */
export class TunnelRelay implements LinkHandler {
  private readonly links = new Map<string, AgentLink>();
  private readonly streams = new Set<RelayStream>();
  private readonly timer: NodeJS.Timeout;
  private readonly counters = { streamsOpened: 0, refused: 0, bytesIn: 0, bytesOut: 0, inFlightHighWater: 0, protocolErrors: 0 };
  private closedLinksBufferedHighWater = 0;

  constructor(
    private readonly policy: RelayPolicy,
    readonly limits: LinkLimits,
    private readonly log: Logger,
  ) {
    // Every socket read is a fresh 64 KiB buffer. V8 gives back the memory of dead ones on a background
    // thread after each young collection; on a busy machine that thread falls behind, the count of
    // external memory passes V8's limit (64 MB over the last full collection) and V8 runs a full
    // collection of the whole heap — several a second while a tunnel moves data, most of this process's
    // CPU. Sweeping them during the young collection itself (a walk of a short list) keeps the count
    // true. bench/tunnel measured about half the coordinator's CPU per GB. See docs/architecture.md.
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    this.timer = setInterval(() => this.sweep(), Math.max(20, Math.min(1000, Math.floor(limits.idleTimeoutMs / 4))));
    this.timer.unref();
  }

  attach(socket: WebSocket, auth: AuthContext): AgentLink {
    return new AgentLink(socket, auth, this.limits, this, this.log);
  }

  /** Another coordinator's peer link: streams it opens here, to hosts whose agent links are here. */
  attachPeer(socket: WebSocket, peer: AuthContext): AgentLink {
    return new AgentLink(socket, peer, { ...this.limits, maxStreams: this.peerMaxStreams }, this, this.log, 'peer-in');
  }

  get peerMaxStreams(): number {
    return this.limits.maxStreams * PEER_STREAMS_FACTOR;
  }

  /** Devices whose agent links are here. */
  linkedDevices(): string[] {
    return [...this.links.keys()];
  }

  /** The link of a device, if it is connected here. */
  linkOf(deviceId: string): AgentLink | undefined {
    return this.links.get(deviceId);
  }

  ready(link: AgentLink): Promise<void> {
    if (link.kind !== 'agent') return Promise.resolve();
    const old = this.links.get(link.deviceId);
    this.links.set(link.deviceId, link);
    old?.close(CLOSE_CODES.replaced, 'a newer link of this device took over');
    return this.policy.linkUp(link.deviceId);
  }

  closed(link: RelayLink): void {
    if (link.kind === 'agent' && this.links.get(link.deviceId) === link) {
      this.links.delete(link.deviceId);
      this.policy.linkDown(link.deviceId);
    }
    this.closedLinksBufferedHighWater = Math.max(this.closedLinksBufferedHighWater, link.bufferedHighWater);
    for (const s of [...link.streams.values()]) this.reset(s, 'link_lost', "a link to the coordinator went away", s.guest.link === link ? 'guest' : 'host');
    this.log.info({ event: 'link.closed', userId: link.userId, deviceId: link.deviceId }, 'agent link closed');
  }

  frame(link: RelayLink, buf: Buffer): void {
    // DATA is nearly all the traffic: checked and forwarded without decoding it into an object.
    if (frameKind(buf) === 'data' && buf.length > HEADER_BYTES && buf.length <= MAX_FRAME_BYTES) return this.data(link, buf);
    let f: Frame;
    try {
      f = decodeFrame(buf);
    } catch (err) {
      return this.protocolError(link, err instanceof TunnelFrameError ? err.message : 'bad frame');
    }
    const fromGuest = isFromGuest(link, f.stream);
    if (f.type === 'open') {
      if (!fromGuest || link.streams.has(f.stream)) return this.protocolError(link, `open on stream ${f.stream}: agents open odd, unused ids`);
      if (link.kind === 'peer-in' && f.connectionId === null) return this.protocolError(link, 'a peer opens a stream with its connection id');
      return this.openFrom(link, f.stream, f.processId, f.port, link.kind === 'peer-in' ? f.connectionId : null);
    }
    const s = link.streams.get(f.stream);
    if (!s) return; // a frame that crossed a reset: nothing to do
    switch (f.type) {
      case 'open_ok':
      case 'open_fail':
        if (fromGuest || s.state !== 'opening') return this.reset(s, 'protocol_error', `unexpected ${f.type}`);
        if (f.type === 'open_fail') return this.reset(s, f.code, f.message, 'host');
        s.state = 'open';
        s.lastActivity = Date.now();
        this.counters.streamsOpened++;
        return s.guest.link.send(encodeFrame({ type: 'open_ok', stream: s.guest.sid, connectionId: s.connectionId }));
      case 'window': {
        if (s.state !== 'open') return this.reset(s, 'protocol_error', 'window before the stream opened');
        const credit = fromGuest ? (s.creditToGuest += f.credit) : (s.creditToHost += f.credit);
        if (credit > s.windowBytes) return this.reset(s, 'protocol_error', 'window credit beyond what was sent');
        s.lastActivity = Date.now();
        return this.forward(s, fromGuest, buf);
      }
      case 'fin':
        if (s.state !== 'open' || (fromGuest ? s.finFromGuest : s.finFromHost)) return this.reset(s, 'protocol_error', 'fin twice, or before the stream opened');
        if (fromGuest) s.finFromGuest = true;
        else s.finFromHost = true;
        s.lastActivity = Date.now();
        this.forward(s, fromGuest, buf);
        if (s.finFromGuest && s.finFromHost) this.finish(s, 'closed');
        return;
      case 'rst':
        return this.reset(s, f.code, f.message, fromGuest ? 'guest' : 'host');
      case 'data':
        return this.protocolError(link, 'data frame of a bad size');
    }
  }

  private data(link: RelayLink, buf: Buffer): void {
    const sid = frameStream(buf);
    const s = link.streams.get(sid);
    if (!s) {
      if (sid !== 0) link.send(encodeFrame({ type: 'rst', stream: sid, code: 'reset', message: 'no such stream' }));
      return;
    }
    const n = buf.length - HEADER_BYTES;
    const fromGuest = isFromGuest(link, sid);
    if (s.state !== 'open' || (fromGuest ? s.finFromGuest : s.finFromHost)) return this.reset(s, 'protocol_error', 'data outside an open direction');
    let inFlight: number;
    if (fromGuest) {
      if (n > s.creditToHost) return this.reset(s, 'protocol_error', 'data beyond the credit given');
      s.creditToHost -= n;
      s.bytesIn += n;
      this.counters.bytesIn += n;
      inFlight = s.windowBytes - s.creditToHost;
    } else {
      if (n > s.creditToGuest) return this.reset(s, 'protocol_error', 'data beyond the credit given');
      s.creditToGuest -= n;
      s.bytesOut += n;
      this.counters.bytesOut += n;
      inFlight = s.windowBytes - s.creditToGuest;
    }
    if (inFlight > this.counters.inFlightHighWater) this.counters.inFlightHighWater = inFlight;
    s.lastActivity = Date.now();
    this.forward(s, fromGuest, buf);
  }

  /** Passes a frame on to the other end, with that end's stream id. */
  private forward(s: RelayStream, fromGuest: boolean, buf: Buffer): void {
    const to = fromGuest ? s.host! : s.guest;
    setFrameStream(buf, to.sid);
    to.link.send(buf);
  }

  private openFrom(link: RelayLink, sid: number, processId: string, port: number, peerConnectionId: string | null): void {
    const max = this.maxStreamsOf(link);
    if (link.streams.size >= max) {
      this.counters.refused++;
      return link.send(encodeFrame({ type: 'open_fail', stream: sid, code: 'too_many_streams', message: `at most ${max} streams per link` }));
    }
    const s = new RelayStream({ link, sid }, processId, port, this.limits.windowBytes);
    s.peerConnectionId = peerConnectionId;
    link.streams.set(sid, s);
    this.streams.add(s);
    void this.open(s);
  }

  private async open(s: RelayStream): Promise<void> {
    try {
      const target = s.peerConnectionId ? await this.policy.locate(s) : await this.policy.authorize(s);
      if (s.isClosed()) return;
      let hostLink: RelayLink | null | undefined = this.links.get(target.hostDeviceId);
      // Not here: through the coordinator that has it (never onward from a peer: one hop at most).
      if (!hostLink?.open && !s.peerConnectionId) hostLink = await this.policy.remoteHost(target.hostDeviceId);
      if (s.isClosed()) return;
      if (!hostLink?.open) throw new TunnelRefusal('host_unreachable', "the host's PC is not connected right now: its agent is not running, or cannot reach the coordinator");
      const max = this.maxStreamsOf(hostLink);
      if (hostLink.streams.size >= max) throw new TunnelRefusal('too_many_streams', `the host has ${max} streams open`);
      s.gridId = target.gridId;
      s.port = target.port;
      s.host = { link: hostLink, sid: hostLink.allocateHostSid() };
      hostLink.streams.set(s.host.sid, s);
      s.state = 'opening';
      const connectionId = s.peerConnectionId ?? (await this.policy.record(s));
      s.connectionId = connectionId;
      // Closed while being recorded (the guest gave up, a link went, access was revoked): record the close too.
      if (s.isClosed()) return s.peerConnectionId ? undefined : this.policy.closed(s, s.closeReason ?? 'reset');
      s.hostKnows = true;
      s.host.link.send(encodeFrame({ type: 'open', stream: s.host.sid, processId: s.processId, port: s.port, connectionId }));
    } catch (err) {
      if (s.isClosed()) return;
      this.counters.refused++;
      if (err instanceof TunnelRefusal) return this.reset(s, err.code, err.message);
      this.log.warn({ err, processId: s.processId }, 'tunnel open failed');
      this.reset(s, 'unavailable', 'the coordinator could not open the stream; try again');
    }
  }

  /** Ends a stream: the ends that know of it hear why (open_fail while opening, else rst), except the one it came from. */
  private reset(s: RelayStream, code: TunnelErrorCode, message: string, origin: 'guest' | 'host' | null = null): void {
    if (s.state === 'closed') return;
    if (origin !== 'guest') {
      const type = s.state === 'open' ? 'rst' : 'open_fail';
      s.guest.link.send(encodeFrame({ type, stream: s.guest.sid, code, message }));
    }
    if (origin !== 'host' && s.hostKnows) s.host!.link.send(encodeFrame({ type: 'rst', stream: s.host!.sid, code, message }));
    this.finish(s, code);
  }

  private finish(s: RelayStream, reason: string): void {
    s.state = 'closed';
    s.closeReason = reason;
    if (s.guest.link.streams.get(s.guest.sid) === s) s.guest.link.streams.delete(s.guest.sid);
    if (s.host && s.host.link.streams.get(s.host.sid) === s) s.host.link.streams.delete(s.host.sid);
    this.streams.delete(s);
    // The coordinator that authorized a stream records it; a peer's stream is recorded there.
    if (s.connectionId && !s.peerConnectionId) this.policy.closed(s, reason);
  }

  private maxStreamsOf(link: RelayLink): number {
    return link.kind === 'agent' ? this.limits.maxStreams : this.peerMaxStreams;
  }

  private protocolError(link: RelayLink, message: string): void {
    this.counters.protocolErrors++;
    this.log.warn({ event: 'link.protocol_error', deviceId: link.deviceId, message }, 'agent link broke the protocol');
    link.close(CLOSE_CODES.protocolError, message.slice(0, 120));
  }

  /** Resets every stream that matches (member removed, process stopped or made private, closed by the host). */
  resetWhere(match: (s: RelayStream) => boolean, code: TunnelErrorCode, message: string): number {
    let n = 0;
    for (const s of [...this.streams]) {
      if (!match(s)) continue;
      this.reset(s, code, message);
      n++;
    }
    return n;
  }

  openStreams(): RelayStream[] {
    return [...this.streams].filter((s) => s.connectionId !== null && s.peerConnectionId === null && s.state !== 'closed');
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.streams]) {
      if (s.state === 'open' && now - s.lastActivity > this.limits.idleTimeoutMs) {
        this.reset(s, 'idle_timeout', `no traffic for ${Math.round(this.limits.idleTimeoutMs / 1000)} s`);
      } else if (s.state !== 'open' && now - s.createdAt > OPEN_TIMEOUT_MS) {
        this.reset(s, 'open_timeout', 'the host did not answer in time');
      }
    }
  }

  stats(): RelayStats {
    let buffered = this.closedLinksBufferedHighWater;
    for (const l of this.links.values()) buffered = Math.max(buffered, l.bufferedHighWater);
    return { links: this.links.size, openStreams: this.openStreams().length, ...this.counters, linkBufferedHighWater: buffered };
  }

  /** Shutdown: every stream hears shutting_down, every link closes with 1001. */
  close(): void {
    clearInterval(this.timer);
    this.resetWhere(() => true, 'shutting_down', 'the coordinator is shutting down');
    for (const link of [...this.links.values()]) link.close(CLOSE_CODES.shuttingDown, 'coordinator shutting down');
  }
}

/**
 * Whether a frame on this link comes from the stream's guest side. On an
 * agent link or a peer-in link the far end opens odd ids; a peer-out link
 * carries only streams we opened, so everything on it comes from the host side.
 */
function isFromGuest(link: RelayLink, sid: number): boolean {
  return link.kind !== 'peer-out' && (sid & 1) === 1;
}
