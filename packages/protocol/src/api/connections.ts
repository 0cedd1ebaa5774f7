import { Type, type Static } from '@sinclair/typebox';
import { Timestamp, Uuid } from './common.js';

/** One stream through the relay to a process: who, when, and the bytes each way. */
export const Connection = Type.Object(
  {
    id: Uuid,
    processId: Uuid,
    gridId: Uuid,
    userId: Uuid,
    username: Type.String(),
    deviceId: Uuid,
    deviceName: Type.String(),
    /** The declared port the host's agent dialled. */
    port: Type.Integer(),
    openedAt: Timestamp,
    closedAt: Type.Union([Timestamp, Type.Null()]),
    /** closed (both sides finished), or a tunnel error code: reset, idle_timeout, closed_by_host, access_revoked, link_lost … */
    closeReason: Type.Union([Type.String(), Type.Null()]),
    /** Guest → process. */
    bytesIn: Type.Integer({ minimum: 0 }),
    /** Process → guest. */
    bytesOut: Type.Integer({ minimum: 0 }),
  },
  { $id: 'Connection', additionalProperties: false },
);
export type Connection = Static<typeof Connection>;

export const ConnectionListQuery = Type.Object(
  { state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { description: 'open: only open ones; all (default): the newest 100' })) },
  { additionalProperties: false },
);
export type ConnectionListQuery = Static<typeof ConnectionListQuery>;

export const ConnectionListResponse = Type.Object({ connections: Type.Array(Connection) }, { additionalProperties: false });
export type ConnectionListResponse = Static<typeof ConnectionListResponse>;

export const ConnectionParams = Type.Object(
  { gridId: Uuid, processId: Uuid, connectionId: Uuid },
  { additionalProperties: false },
);
export type ConnectionParams = Static<typeof ConnectionParams>;

export const CloseConnectionsResponse = Type.Object(
  { closed: Type.Integer({ minimum: 0, description: 'How many open connections were closed' }) },
  { additionalProperties: false },
);
export type CloseConnectionsResponse = Static<typeof CloseConnectionsResponse>;
