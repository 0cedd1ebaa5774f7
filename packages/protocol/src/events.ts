import { Type, type Static } from '@sinclair/typebox';
import { Member, MemberDevice } from './api/grids.js';
import { Process } from './api/processes.js';

/** First message on every (re)connected events socket: the whole grid as it is now. */
export const SnapshotEvent = Type.Object(
  { type: Type.Literal('snapshot'), processes: Type.Array(Process), members: Type.Array(Member), devices: Type.Array(MemberDevice) },
  { additionalProperties: false },
);
/** A process was registered, went online/offline, stopped, or its health changed. */
export const ProcessEvent = Type.Object(
  { type: Type.Literal('process'), process: Process },
  { additionalProperties: false },
);
export const MemberChange = Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('role_changed')]);
export const MemberEvent = Type.Object(
  { type: Type.Literal('member'), change: MemberChange, member: Member },
  { additionalProperties: false },
);

/** A member's device came online (connected) or went offline (its last connection closed, or its lease ran out). */
export const DeviceEvent = Type.Object(
  { type: Type.Literal('device'), device: MemberDevice },
  { additionalProperties: false },
);

export const GridEvent = Type.Union([SnapshotEvent, ProcessEvent, MemberEvent, DeviceEvent]);
export type SnapshotEvent = Static<typeof SnapshotEvent>;
export type ProcessEvent = Static<typeof ProcessEvent>;
export type MemberEvent = Static<typeof MemberEvent>;
export type DeviceEvent = Static<typeof DeviceEvent>;
export type MemberChange = Static<typeof MemberChange>;
export type GridEvent = Static<typeof GridEvent>;

/** WebSocket close codes the events socket and the agent link use (4000–4999 are ours). */
export const CLOSE_CODES = {
  unauthorized: 4401,
  notMember: 4403,
  gridNotFound: 4404,
  shuttingDown: 1001,
  /** Agent link: a newer link of the same device took over. */
  replaced: 4409,
  /** Agent link: the hello named a protocol version this coordinator does not speak. */
  unsupportedProtocol: 4426,
  /** Agent link: a malformed frame or a broken rule (hello first, credit, stream ids). */
  protocolError: 1002,
} as const;
