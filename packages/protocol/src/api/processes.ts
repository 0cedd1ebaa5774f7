import { Type, type Static } from '@sinclair/typebox';
import { DisplayName, Lines, Text, Timestamp, Uuid } from './common.js';

/** Exactly three statuses; nothing grid-level ("hosted", "orphaned") exists. */
export const ProcessStatus = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('stopped')]);
export type ProcessStatus = Static<typeof ProcessStatus>;
export const PROCESS_STATUSES: readonly ProcessStatus[] = ['online', 'offline', 'stopped'];

export const PortSpec = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')], { default: 'tcp' }),
  },
  { additionalProperties: false },
);
export type PortSpec = Static<typeof PortSpec>;

export const ProcessKind = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'What the process is, e.g. minecraft, http, generic.',
});

const MetadataValue = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean(), Type.Null()]);
// Type.Record drops the key schema's maxLength (keys become patternProperties), so propertyNames carries it.
// Line breaks are refused in keys too: the record's key pattern ^(.*)$ does not match them, so such a key
// would skip the value check and be dropped from answers (found by the validation fuzz test).
export const ProcessMetadata = Type.Record(Type.String(), MetadataValue, {
  maxProperties: 32,
  propertyNames: { maxLength: 64, minLength: 1, pattern: '^[^\\u0000-\\u001f\\u007f\\u2028\\u2029]*$' },
});

export const MinecraftHealth = Type.Object(
  {
    reachable: Type.Boolean(),
    version: Type.Optional(Text(128)),
    protocol: Type.Optional(Type.Integer()),
    playersOnline: Type.Optional(Type.Integer({ minimum: 0 })),
    playersMax: Type.Optional(Type.Integer({ minimum: 0 })),
    sample: Type.Optional(Type.Array(Text(64), { maxItems: 12 })),
    motd: Type.Optional(Lines(512)),
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
    error: Type.Optional(Text(256)),
  },
  { additionalProperties: false },
);

/** What the host agent observes of its process, sent with each heartbeat. */
export const ProcessHealth = Type.Object(
  {
    alive: Type.Optional(Type.Boolean()),
    pid: Type.Optional(Type.Integer({ minimum: 1 })),
    uptimeSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    cpuPercent: Type.Optional(Type.Number({ minimum: 0 })),
    rssBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    ports: Type.Optional(
      Type.Array(
        Type.Object(
          { port: Type.Integer({ minimum: 1, maximum: 65535 }), open: Type.Boolean() },
          { additionalProperties: false },
        ),
        { maxItems: 16 },
      ),
    ),
    minecraft: Type.Optional(MinecraftHealth),
  },
  { $id: 'ProcessHealth', additionalProperties: false },
);
export type ProcessHealth = Static<typeof ProcessHealth>;

export const Process = Type.Object(
  {
    id: Uuid,
    gridId: Uuid,
    name: Type.String(),
    kind: Type.String(),
    command: Type.Union([Type.String(), Type.Null()]),
    ports: Type.Array(PortSpec),
    metadata: ProcessMetadata,
    status: ProcessStatus,
    hostUserId: Uuid,
    hostUsername: Type.String(),
    hostDeviceId: Uuid,
    hostDeviceName: Type.String(),
    lastHeartbeatAt: Timestamp,
    registeredAt: Timestamp,
    stoppedAt: Type.Union([Timestamp, Type.Null()]),
    stopReason: Type.Union([Type.String(), Type.Null()]),
    exitCode: Type.Union([Type.Integer(), Type.Null()]),
    health: Type.Union([ProcessHealth, Type.Null()]),
    /** Refuses connections through the relay (`grid run --private`). */
    private: Type.Boolean(),
  },
  { $id: 'Process', additionalProperties: false },
);
export type Process = Static<typeof Process>;

export const RegisterProcessRequest = Type.Object(
  {
    id: Type.Optional(Uuid),
    name: DisplayName(128),
    kind: Type.Optional(ProcessKind),
    command: Type.Optional(Type.String({ maxLength: 2048 })),
    ports: Type.Optional(Type.Array(PortSpec, { maxItems: 16 })),
    metadata: Type.Optional(ProcessMetadata),
    /** true: nobody may connect to it through the relay (default false). */
    private: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RegisterProcessRequest = Static<typeof RegisterProcessRequest>;

export const ProcessParams = Type.Object({ gridId: Uuid, processId: Uuid }, { additionalProperties: false });
export type ProcessParams = Static<typeof ProcessParams>;

export const HeartbeatRequest = Type.Object({ health: Type.Optional(ProcessHealth) }, { additionalProperties: false });
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object(
  { status: ProcessStatus, heartbeatIntervalMs: Type.Integer(), staleAfterMs: Type.Integer() },
  { additionalProperties: false },
);
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

export const StopReason = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z][a-z_]*$',
  description: 'Why it stopped: stopped, exited, crashed, force_stopped, …',
});

export const UnregisterRequest = Type.Object(
  {
    reason: Type.Optional(StopReason),
    exitCode: Type.Optional(Type.Integer({ minimum: -255, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type UnregisterRequest = Static<typeof UnregisterRequest>;

export const ListProcessesQuery = Type.Object({ status: Type.Optional(ProcessStatus) }, { additionalProperties: false });
export type ListProcessesQuery = Static<typeof ListProcessesQuery>;

export const ProcessResponse = Type.Object({ process: Process }, { additionalProperties: false });
export type ProcessResponse = Static<typeof ProcessResponse>;

export const ProcessListResponse = Type.Object({ processes: Type.Array(Process) }, { additionalProperties: false });
export type ProcessListResponse = Static<typeof ProcessListResponse>;

/** One state change in a process's history. `from` is a status, or registered/reregistered. */
export const ProcessHistoryEntry = Type.Object(
  {
    at: Timestamp,
    from: Type.String(),
    to: ProcessStatus,
    reason: Type.Union([Type.String(), Type.Null()]),
    exitCode: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'ProcessHistoryEntry', additionalProperties: false },
);
export type ProcessHistoryEntry = Static<typeof ProcessHistoryEntry>;

export const ProcessHistoryResponse = Type.Object(
  { events: Type.Array(ProcessHistoryEntry) },
  { additionalProperties: false },
);
export type ProcessHistoryResponse = Static<typeof ProcessHistoryResponse>;
