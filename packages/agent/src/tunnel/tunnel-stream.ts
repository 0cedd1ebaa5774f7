import { type TunnelErrorCode } from '@gridshare/protocol';
import { encodeFrame } from '@gridshare/protocol/tunnel-codec';
import type { Socket } from 'node:net';

/** What a stream needs of the link: sending frames, and being told its counters. */
export interface StreamLink {
  send(frame: Buffer): void;
  /** One DATA frame; `payload` is not copied, so it must not change afterwards (a socket read never does). */
  sendData(stream: number, payload: Buffer): void;
  readonly stats: TunnelStats;
  /** The stream is over (both sides finished, or reset): forget its id. */
  forget(stream: TunnelStream): void;
}

/**
 * DATA we send carries at most this much (the protocol allows 64 KiB). Frames
 * smaller than one socket read (64 KiB) mostly arrive whole in one read, so the
 * WebSocket parsers on the way copy them less: fewer fresh buffers, fewer
 * garbage collections (bench/tunnel measured about a third less CPU per GB).
 */
const FRAME_DATA_BYTES = 16 * 1024;

/**
 * Writes to `socket` in this tick leave in one writev when the tick ends, not
 * one syscall each: to the link, the frames of one socket read, credit, other
 * streams; to a local socket, the DATA of one link read. Nested corks (ws
 * corks around each frame) stay inside ours; end() flushes at once.
 */
export function corkForTick(socket: Socket): void {
  if (socket.writableCorked !== 0) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}

export interface TunnelStats {
  streamsOpened: number;
  receiveBufferedHighWater: number;
  sendPendingHighWater: number;
}

export interface StreamEnd {
  /** 'closed' when both sides finished; else the tunnel error code that ended it. */
  reason: string;
  message: string;
  /** Bytes read from the local socket and sent, and received and written to it. */
  bytesSent: number;
  bytesReceived: number;
}

/**
 * One tunnel stream on this PC: a local TCP socket bridged to frames on the
 * link, with credit-based flow control. We send at most the credit the other
 * end gave (pausing the socket when it runs out) and give credit back only
 * for bytes our socket has flushed to the kernel, so a slow reader anywhere
 * holds at most one window of this stream in memory, here or on the way.
 */
export class TunnelStream {
  private sendCredit: number;
  /** Read from the socket but not yet sent for lack of credit (at most one socket read). */
  private pending: Buffer | null = null;
  /** Bytes flushed to the socket and not yet given back as credit. */
  private unacked = 0;
  private received = 0;
  private flushed = 0;
  private bytesSent = 0;
  private finSent = false;
  private finReceived = false;
  private localEnded = false;
  private socketClosed = false;
  private over = false;
  private resolveDone!: (end: StreamEnd) => void;
  readonly done = new Promise<StreamEnd>((resolve) => (this.resolveDone = resolve));

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly link: StreamLink,
    private readonly windowBytes: number,
  ) {
    this.sendCredit = windowBytes;
  }

  /** Starts moving bytes: the socket is read from now on. */
  start(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.fromSocket(chunk));
    s.on('end', () => {
      this.localEnded = true;
      if (!this.pending) this.sendFin();
    });
    s.on('error', () => {}); // 'close' follows, handled there
    s.on('close', () => {
      this.socketClosed = true;
      // Both halves ended cleanly: done once our FIN is out (it may wait for credit to send what is pending).
      if (this.localEnded && this.finReceived) {
        if (this.finSent) this.end('closed', '');
      } else this.reset('reset', 'the local connection closed');
    });
    s.resume();
  }

  private fromSocket(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.sendCredit > 0) {
      const n = Math.min(chunk.length - off, this.sendCredit, FRAME_DATA_BYTES);
      this.link.sendData(this.id, chunk.subarray(off, off + n));
      this.sendCredit -= n;
      this.bytesSent += n;
      off += n;
    }
    if (off === chunk.length) return;
    // Out of credit: keep the rest, and read no more until WINDOW comes.
    this.pending = chunk.subarray(off);
    this.socket.pause();
    if (this.pending.length > this.link.stats.sendPendingHighWater) this.link.stats.sendPendingHighWater = this.pending.length;
  }

  onWindow(credit: number): void {
    this.sendCredit += credit;
    if (!this.pending || this.over) return;
    const rest = this.pending;
    this.pending = null;
    this.fromSocket(rest);
    if (this.pending) return;
    if (this.localEnded) this.sendFin();
    else this.socket.resume();
  }

  onData(data: Buffer): void {
    if (this.over) return;
    const n = data.length;
    this.received += n;
    if (this.finReceived || this.received - this.flushed > this.windowBytes) return this.reset('protocol_error', 'data beyond the credit given');
    const buffered = this.received - this.flushed;
    if (buffered > this.link.stats.receiveBufferedHighWater) this.link.stats.receiveBufferedHighWater = buffered;
    corkForTick(this.socket);
    this.socket.write(data, () => {
      this.flushed += n;
      this.unacked += n;
      // Credit goes back in half-window batches, not per chunk: each WINDOW frame wakes the relay and
      // the sender, and half-window batches measured less CPU per GB than quarter-window ones (bench/tunnel).
      // The sender is never stuck: with everything flushed it holds at least half a window of credit.
      if (this.unacked >= this.windowBytes / 2 && !this.over) {
        this.link.send(encodeFrame({ type: 'window', stream: this.id, credit: this.unacked }));
        this.unacked = 0;
      }
    });
  }

  onFin(): void {
    if (this.over) return;
    this.finReceived = true;
    this.socket.end();
  }

  /** The other side reset the stream: the local connection is reset too (an abort, not a clean end). */
  onReset(code: TunnelErrorCode, message: string): void {
    if (this.over) return;
    this.end(code, message);
    this.socket.resetAndDestroy();
  }

  /** We end it: the other side hears RST. */
  reset(code: TunnelErrorCode, message: string): void {
    if (this.over) return;
    this.link.send(encodeFrame({ type: 'rst', stream: this.id, code, message }));
    this.end(code, message);
    this.socket.resetAndDestroy();
  }

  private sendFin(): void {
    if (this.finSent || this.over) return;
    this.finSent = true;
    this.link.send(encodeFrame({ type: 'fin', stream: this.id }));
    if (this.socketClosed && this.finReceived) this.end('closed', '');
  }

  private end(reason: string, message: string): void {
    if (this.over) return;
    this.over = true;
    this.pending = null;
    this.link.forget(this);
    this.resolveDone({ reason, message, bytesSent: this.bytesSent, bytesReceived: this.received });
  }
}
