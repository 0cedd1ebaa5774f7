import {
  FRAME,
  type Frame,
  type FrameKind,
  HEADER_BYTES,
  MAX_DATA_BYTES,
  TUNNEL_ERRORS,
  type TunnelErrorCode,
  TunnelFrameError,
} from './tunnel.js';
import { isUuid } from './api/common.js';

/*
 * The tunnel's binary frames as bytes: Node-only (Buffer, also at load), so
 * it is its own entry point, `@gridshare/protocol/tunnel-codec`, which the
 * agent and the coordinator import and a browser never loads.
 */

const OPEN_PAYLOAD = 16 + 2 + 16;
const MAX_MESSAGE_BYTES = 256;
const KIND_BY_BYTE: ReadonlyArray<FrameKind | undefined> = (() => {
  const out: Array<FrameKind | undefined> = [];
  for (const [k, v] of Object.entries(FRAME)) out[v] = k as FrameKind;
  return out;
})();
const CODE_BY_BYTE: ReadonlyArray<TunnelErrorCode | undefined> = (() => {
  const out: Array<TunnelErrorCode | undefined> = [];
  for (const [k, v] of Object.entries(TUNNEL_ERRORS)) out[v] = k as TunnelErrorCode;
  return out;
})();

const ZERO_ID = Buffer.alloc(16);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function writeUuid(buf: Buffer, offset: number, id: string | null): void {
  if (id === null) return void ZERO_ID.copy(buf, offset);
  if (!isUuid(id)) throw new TunnelFrameError(`not a UUID: ${id}`);
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
