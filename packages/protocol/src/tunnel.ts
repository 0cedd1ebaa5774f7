import { Type, type Static } from '@sinclair/typebox';

/**
 * The tunnel protocol on the agent link (GET /api/v1/agent/link, one
 * WebSocket per logged-in agent). Control messages are JSON text frames
 * (hello, welcome); tunnel traffic is binary frames with a fixed header:
 *
 *   [type u8][stream id u32 BE][payload]
 *
 * Streams an agent opens have odd ids, streams the coordinator opens even
 * ones, so a link that is guest and host at once never sees a clash.
 * Flow control is end to end: each side may have at most `windowBytes` of
 * DATA per stream that the other side has not yet given back with WINDOW.
 */
export const FRAME = { open: 1, open_ok: 2, open_fail: 3, data: 4, window: 5, fin: 6, rst: 7 } as const;
export type FrameKind = keyof typeof FRAME;
const KIND_BY_BYTE: ReadonlyArray<FrameKind | undefined> = (() => {
  const out: Array<FrameKind | undefined> = [];
  for (const [k, v] of Object.entries(FRAME)) out[v] = k as FrameKind;
  return out;
})();

export const HEADER_BYTES = 5;
/** The most payload one DATA frame carries (one socket read). */
export const MAX_DATA_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = HEADER_BYTES + MAX_DATA_BYTES;
export const DEFAULT_WINDOW_BYTES = 256 * 1024;
const OPEN_PAYLOAD = 16 + 2 + 16;
const MAX_MESSAGE_BYTES = 256;

/** Why a stream could not open, or was reset. One byte on the wire; names in code and logs. */
export const TUNNEL_ERRORS = {
  process_not_found: 1,
  process_offline: 2,
  process_private: 3,
  port_not_declared: 4,
  host_unreachable: 5,
  dial_failed: 6,
  too_many_streams: 7,
  protocol_error: 8,
  idle_timeout: 9,
  closed_by_host: 10,
  access_revoked: 11,
  link_lost: 12,
  process_stopped: 13,
  shutting_down: 14,
  reset: 15,
  open_timeout: 16,
  /** The coordinator could not record the connection (its database is down). */
  unavailable: 17,
} as const;
export type TunnelErrorCode = keyof typeof TUNNEL_ERRORS;
const CODE_BY_BYTE: ReadonlyArray<TunnelErrorCode | undefined> = (() => {
  const out: Array<TunnelErrorCode | undefined> = [];
  for (const [k, v] of Object.entries(TUNNEL_ERRORS)) out[v] = k as TunnelErrorCode;
  return out;
})();

export type Frame =
  /** processId and port: what to reach (port 0: the first declared); connectionId: set by the coordinator toward the host. */
  | { type: 'open'; stream: number; processId: string; port: number; connectionId: string | null }
  | { type: 'open_ok'; stream: number; connectionId: string | null }
  | { type: 'open_fail'; stream: number; code: TunnelErrorCode; message: string }
  | { type: 'data'; stream: number; data: Buffer }
  /** The receiver consumed `credit` more bytes: the sender may send that much more. */
  | { type: 'window'; stream: number; credit: number }
  /** The sender will send no more DATA (half-close); the other direction goes on. */
  | { type: 'fin'; stream: number }
  | { type: 'rst'; stream: number; code: TunnelErrorCode; message: string };

export class TunnelFrameError extends Error {
  override name = 'TunnelFrameError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_ID = Buffer.alloc(16);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function writeUuid(buf: Buffer, offset: number, id: string | null): void {
  if (id === null) return void ZERO_ID.copy(buf, offset);
  if (!UUID.test(id)) throw new TunnelFrameError(`not a UUID: ${id}`);
  Buffer.from(id.replaceAll('-', ''), 'hex').copy(buf, offset);
}

function readUuid(buf: Buffer, offset: number): string | null {
  const bytes = buf.subarray(offset, offset + 16);
  if (bytes.equals(ZERO_ID)) return null;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function header(kind: FrameKind, stream: number, payloadBytes: number): Buffer {
  if (!Number.isInteger(stream) || stream < 1 || stream > 0xffff_ffff) throw new TunnelFrameError(`bad stream id ${stream}`);
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  buf[0] = FRAME[kind];
  buf.writeUInt32BE(stream, 1);
  return buf;
}

function encodeReason(kind: 'open_fail' | 'rst', stream: number, code: TunnelErrorCode, message: string): Buffer {
  let text = Buffer.from(message, 'utf8');
  // Cut at a character boundary: the decoder refuses half a character.
  if (text.length > MAX_MESSAGE_BYTES) text = Buffer.from(text.subarray(0, MAX_MESSAGE_BYTES).toString('utf8').replace(/\uFFFD+$/, ''), 'utf8');
  const buf = header(kind, stream, 1 + text.length);
  buf[HEADER_BYTES] = TUNNEL_ERRORS[code];
  text.copy(buf, HEADER_BYTES + 1);
  return buf;
}

/** One frame as bytes. DATA copies its payload once (use encodeData on the hot path, same thing). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'open': {
      if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new TunnelFrameError(`bad port ${f.port}`);
      const buf = header('open', f.stream, OPEN_PAYLOAD);
      writeUuid(buf, HEADER_BYTES, f.processId);
      buf.writeUInt16BE(f.port, HEADER_BYTES + 16);
      writeUuid(buf, HEADER_BYTES + 18, f.connectionId);
      return buf;
    }
    case 'open_ok': {
      const buf = header('open_ok', f.stream, f.connectionId === null ? 0 : 16);
      if (f.connectionId !== null) writeUuid(buf, HEADER_BYTES, f.connectionId);
      return buf;
    }
    case 'open_fail':
    case 'rst':
      return encodeReason(f.type, f.stream, f.code, f.message);
    case 'data':
      return encodeData(f.stream, f.data);
    case 'window': {
      if (!Number.isInteger(f.credit) || f.credit < 1 || f.credit > 0xffff_ffff) throw new TunnelFrameError(`bad credit ${f.credit}`);
      const buf = header('window', f.stream, 4);
      buf.writeUInt32BE(f.credit, HEADER_BYTES);
      return buf;
    }
    case 'fin':
      return header('fin', f.stream, 0);
  }
}

/** A DATA frame: header and payload in one buffer (a WebSocket message is one buffer). */
export function encodeData(stream: number, data: Uint8Array): Buffer {
  if (data.length < 1 || data.length > MAX_DATA_BYTES) throw new TunnelFrameError(`DATA must carry 1–${MAX_DATA_BYTES} bytes (got ${data.length})`);
  const buf = header('data', stream, data.length);
  buf.set(data, HEADER_BYTES);
  return buf;
}

/**
 * DATA's header alone, written at `offset` of `buf`: for a sender that writes
 * header and payload as separate buffers (one writev) instead of copying the
 * payload behind the header. The bytes on the wire are those of encodeData.
 */
export function writeDataHeader(buf: Buffer, offset: number, stream: number, payloadBytes: number): void {
  if (payloadBytes < 1 || payloadBytes > MAX_DATA_BYTES) throw new TunnelFrameError(`DATA must carry 1–${MAX_DATA_BYTES} bytes (got ${payloadBytes})`);
  if (!Number.isInteger(stream) || stream < 1 || stream > 0xffff_ffff) throw new TunnelFrameError(`bad stream id ${stream}`);
  buf[offset] = FRAME.data;
  buf.writeUInt32BE(stream, offset + 1);
}

/** Parses and checks one frame; throws TunnelFrameError on anything malformed. DATA's payload is a view, not a copy. */
export function decodeFrame(buf: Buffer): Frame {
  if (buf.length < HEADER_BYTES) throw new TunnelFrameError(`a frame is at least ${HEADER_BYTES} bytes (got ${buf.length})`);
  const kind = KIND_BY_BYTE[buf[0]!];
  if (!kind) throw new TunnelFrameError(`unknown frame type ${buf[0]}`);
  const stream = buf.readUInt32BE(1);
  if (stream === 0) throw new TunnelFrameError('stream id 0 is reserved');
  const n = buf.length - HEADER_BYTES;
  const exact = (want: number) => {
    if (n !== want) throw new TunnelFrameError(`${kind} carries ${want} payload bytes (got ${n})`);
  };
  switch (kind) {
    case 'open': {
      exact(OPEN_PAYLOAD);
      const processId = readUuid(buf, HEADER_BYTES);
      if (processId === null) throw new TunnelFrameError('open names no process');
      return { type: 'open', stream, processId, port: buf.readUInt16BE(HEADER_BYTES + 16), connectionId: readUuid(buf, HEADER_BYTES + 18) };
    }
    case 'open_ok':
      if (n !== 0 && n !== 16) throw new TunnelFrameError(`open_ok carries 0 or 16 payload bytes (got ${n})`);
      return { type: 'open_ok', stream, connectionId: n === 16 ? readUuid(buf, HEADER_BYTES) : null };
    case 'open_fail':
    case 'rst': {
      if (n < 1 || n > 1 + MAX_MESSAGE_BYTES) throw new TunnelFrameError(`${kind} carries a code and at most ${MAX_MESSAGE_BYTES} bytes of text`);
      const code = CODE_BY_BYTE[buf[HEADER_BYTES]!];
      if (!code) throw new TunnelFrameError(`unknown error code ${buf[HEADER_BYTES]}`);
      let message: string;
      try {
        message = utf8.decode(buf.subarray(HEADER_BYTES + 1));
      } catch {
        throw new TunnelFrameError(`${kind} text is not UTF-8`);
      }
      return { type: kind, stream, code, message };
    }
    case 'data':
      if (n < 1 || n > MAX_DATA_BYTES) throw new TunnelFrameError(`data carries 1–${MAX_DATA_BYTES} bytes (got ${n})`);
      return { type: 'data', stream, data: buf.subarray(HEADER_BYTES) };
    case 'window': {
      exact(4);
      const credit = buf.readUInt32BE(HEADER_BYTES);
      if (credit === 0) throw new TunnelFrameError('window credit must be at least 1');
      return { type: 'window', stream, credit };
    }
    case 'fin':
      exact(0);
      return { type: 'fin', stream };
  }
}

// Hot-path helpers for the relay, which forwards DATA without decoding it into an object.
export const frameKind = (buf: Buffer): FrameKind | undefined => KIND_BY_BYTE[buf[0]!];
export const frameStream = (buf: Buffer): number => buf.readUInt32BE(1);
/** Rewrites the stream id in place (the relay maps one link's id to the other's). */
export const setFrameStream = (buf: Buffer, stream: number): void => void buf.writeUInt32BE(stream, 1);

/** First message on the link, agent → coordinator (a JSON text frame). */
export const LinkHello = Type.Object(
  { type: Type.Literal('hello'), protocol: Type.Integer(), agentVersion: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);
export type LinkHello = Static<typeof LinkHello>;

/** The coordinator's answer: the limits both agents of a stream follow. */
export const LinkWelcome = Type.Object(
  {
    type: Type.Literal('welcome'),
    protocol: Type.Integer(),
    /** Initial credit per stream and direction, in bytes. */
    windowBytes: Type.Integer(),
    maxDataBytes: Type.Integer(),
    /** Streams with no traffic this long are reset (idle_timeout). */
    idleTimeoutMs: Type.Integer(),
    /** The coordinator pings this often; an agent that hears nothing for three intervals reconnects. */
    pingIntervalMs: Type.Integer(),
    maxStreams: Type.Integer(),
  },
  { additionalProperties: false },
);
export type LinkWelcome = Static<typeof LinkWelcome>;
