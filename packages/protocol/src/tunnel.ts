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

export const HEADER_BYTES = 5;
/** The most payload one DATA frame carries (one socket read). */
export const MAX_DATA_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = HEADER_BYTES + MAX_DATA_BYTES;
export const DEFAULT_WINDOW_BYTES = 256 * 1024;

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
    windowBytes: Type.Integer({ minimum: 1 }),
    maxDataBytes: Type.Integer({ minimum: 1 }),
    /** Streams with no traffic this long are reset (idle_timeout). */
    idleTimeoutMs: Type.Integer({ minimum: 1 }),
    /** The coordinator pings this often; an agent that hears nothing for three intervals reconnects. */
    pingIntervalMs: Type.Integer({ minimum: 1 }),
    maxStreams: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type LinkWelcome = Static<typeof LinkWelcome>;
