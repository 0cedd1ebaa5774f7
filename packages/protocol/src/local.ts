import { Type, type Static } from '@sinclair/typebox';
import { User, Device } from './api/auth.js';
import { Connection } from './api/connections.js';
import { PortSpec, Process, ProcessKind } from './api/processes.js';
import { ERROR_STATUS } from './errors.js';
import { DisplayName } from './api/common.js';

/**
 * The agent's local API: what the `grid` CLI says to `grid agent` over the
 * unix socket. Coordinator errors pass through with their own codes; these
 * are the agent's own.
 */
export const LOCAL_ERROR_STATUS = {
  ...ERROR_STATUS,
  not_logged_in: 401,
  grid_ambiguous: 409,
  process_ambiguous: 409,
  /** `grid rm` of a process that is still running or restarting. */
  process_running: 409,
  /** config.json (server, user, device) cannot be read: the agent is not logged in until it is replaced. */
  config_invalid: 500,
  device_ambiguous: 409,
  port_not_listening: 404,
  already_running: 409,
  coordinator_unreachable: 502,
  spawn_failed: 422,
  local_port_in_use: 409,
  process_offline: 409,
  process_private: 403,
  port_not_declared: 422,
} as const;
export type LocalErrorCode = keyof typeof LOCAL_ERROR_STATUS;

export const RestartPolicy = Type.Union([Type.Literal('never'), Type.Literal('on-failure'), Type.Literal('always')]);
export type RestartPolicy = Static<typeof RestartPolicy>;

/** What the user asked for: never mixed with what is happening. */
export const ProcessSpec = Type.Object(
  {
    /** `run`: argv to start; `share`: empty (we only watch an existing PID). */
    command: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 }),
    cwd: Type.String({ maxLength: 4096 }),
    env: Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 })),
    ports: Type.Array(PortSpec, { maxItems: 16 }),
    restart: RestartPolicy,
    mode: Type.Union([Type.Literal('run'), Type.Literal('share')]),
    /** Refuse connections through the relay (absent in state files from before tunnels: false). */
    private: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ProcessSpec = Static<typeof ProcessSpec>;

export const ExitInfo = Type.Object(
  {
    code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    at: Type.String(),
  },
  { additionalProperties: false },
);
export type ExitInfo = Static<typeof ExitInfo>;

/** running: alive; backoff: waiting to restart; errored: crash loop, given up; exited/stopped: done. */
export const LocalState = Type.Union([
  Type.Literal('running'),
  Type.Literal('backoff'),
  Type.Literal('errored'),
  Type.Literal('exited'),
  Type.Literal('stopped'),
]);
export type LocalState = Static<typeof LocalState>;

/** What is happening to a process on this PC. */
export const ProcessRuntime = Type.Object(
  {
    state: LocalState,
    pid: Type.Union([Type.Integer(), Type.Null()]),
    /** /proc/PID/stat start time: with the pid, identifies the process across PID reuse. */
    startTimeTicks: Type.Union([Type.Integer(), Type.Null()]),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    restarts: Type.Integer(),
    /** Crashes in a row that each ran less than the stable stretch. */
    fastCrashes: Type.Integer(),
    lastExit: Type.Union([ExitInfo, Type.Null()]),
    heartbeatsSent: Type.Integer(),
    lastHeartbeat: Type.Union([
      Type.Object({ at: Type.String(), ok: Type.Boolean(), error: Type.Optional(Type.String()) }, { additionalProperties: false }),
      Type.Null(),
    ]),
    /** Why it is errored, or what needs the user's attention. */
    message: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ProcessRuntime = Static<typeof ProcessRuntime>;

export const LocalProcess = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    gridId: Type.String({ format: 'uuid' }),
    name: Type.String(),
    kind: Type.String(),
    spec: ProcessSpec,
    runtime: ProcessRuntime,
  },
  { additionalProperties: false },
);
export type LocalProcess = Static<typeof LocalProcess>;

export const LoginRequest = Type.Object(
  {
    server: Type.String({ minLength: 1, maxLength: 2048 }),
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    deviceName: DisplayName(64),
    signup: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const WhoAmI = Type.Object(
  { server: Type.String(), user: User, device: Device },
  { additionalProperties: false },
);
export type WhoAmI = Static<typeof WhoAmI>;

/**
 * `grid whoami`: this PC's saved identity, checked with the coordinator
 * (GET /me). A refused token is an error; an unreachable coordinator is not,
 * and says so here.
 */
export const WhoAmIResponse = Type.Composite(
  [
    WhoAmI,
    Type.Object({
      coordinator: Type.Union([Type.Literal('verified'), Type.Literal('unreachable')]),
      /** Why the coordinator could not be asked (only when unreachable). */
      coordinatorError: Type.Optional(Type.String()),
    }),
  ],
  { additionalProperties: false },
);
export type WhoAmIResponse = Static<typeof WhoAmIResponse>;

/** `grid logout`: false when there was nothing to log out of. */
export const LogoutResponse = Type.Object({ wasLoggedIn: Type.Boolean() }, { additionalProperties: false });
export type LogoutResponse = Static<typeof LogoutResponse>;

export const GridRef = Type.String({ minLength: 1, maxLength: 128, description: 'A grid id, the start of one (4+ hex digits) where unambiguous, or its name where unambiguous' });
export const ProcessRef = Type.String({ minLength: 1, maxLength: 128, description: 'A process id, the start of one (4+ hex digits) where unambiguous, or its name where unambiguous' });

export const RunRequest = Type.Object(
  {
    grid: GridRef,
    name: DisplayName(128),
    kind: Type.Optional(ProcessKind),
    ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: 16 }),
    restart: RestartPolicy,
    cwd: Type.String({ minLength: 1, maxLength: 4096 }),
    env: Type.Record(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^=]+$' }), Type.String({ maxLength: 8192 })),
    command: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 256 }),
    private: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RunRequest = Static<typeof RunRequest>;

export const ShareRequest = Type.Object(
  {
    grid: GridRef,
    name: DisplayName(128),
    kind: Type.Optional(ProcessKind),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    private: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ShareRequest = Static<typeof ShareRequest>;

/** `grid devices revoke`: one of my other devices, by id or unambiguous name. */
export const RevokeDeviceRequest = Type.Object(
  { device: Type.String({ minLength: 1, maxLength: 128, description: 'A device id, or its name where unambiguous' }) },
  { additionalProperties: false },
);
export type RevokeDeviceRequest = Static<typeof RevokeDeviceRequest>;

export const ProcessSelector = Type.Object(
  { process: ProcessRef, grid: Type.Optional(GridRef) },
  { additionalProperties: false },
);
export type ProcessSelector = Static<typeof ProcessSelector>;

/** `grid private`: refuse connections to a process of this PC (its open ones close), or accept them again. */
export const SetPrivateRequest = Type.Object(
  { process: ProcessRef, grid: Type.Optional(GridRef), private: Type.Boolean() },
  { additionalProperties: false },
);
export type SetPrivateRequest = Static<typeof SetPrivateRequest>;

export const LocalProcessResponse = Type.Object({ process: LocalProcess }, { additionalProperties: false });
export type LocalProcessResponse = Static<typeof LocalProcessResponse>;

/**
 * The agent's link to the coordinator and its tunnel streams. The *HighWater
 * counters are the most bytes any one stream ever held here: they stay within
 * the window however slow a reader is.
 */
export const LinkStatus = Type.Object(
  {
    state: Type.Union([Type.Literal('connected'), Type.Literal('connecting'), Type.Literal('logged_out'), Type.Literal('unauthorized')]),
    since: Type.String(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    windowBytes: Type.Integer(),
    openStreams: Type.Integer(),
    streamsOpened: Type.Integer(),
    /** Bytes received for a stream and not yet taken by its local socket. */
    receiveBufferedHighWater: Type.Integer(),
    /** Bytes read from a local socket and not yet sent for lack of credit. */
    sendPendingHighWater: Type.Integer(),
  },
  { additionalProperties: false },
);
export type LinkStatus = Static<typeof LinkStatus>;

export const AgentStatus = Type.Object(
  {
    agent: Type.Object(
      { pid: Type.Integer(), version: Type.String(), startedAt: Type.String(), home: Type.String() },
      { additionalProperties: false },
    ),
    session: Type.Union([WhoAmI, Type.Null()]),
    /** Why the saved session could not be read (config.json corrupt): the remedy for a null session. */
    sessionProblem: Type.Optional(Type.String()),
    processes: Type.Array(LocalProcess),
    link: Type.Optional(LinkStatus),
  },
  { additionalProperties: false },
);
export type AgentStatus = Static<typeof AgentStatus>;

/** `grid ps`: every process of my grids, from every PC, with the grid's name. */
export const PsEntry = Type.Object(
  { process: Process, gridName: Type.String(), local: Type.Union([LocalProcess, Type.Null()]) },
  { additionalProperties: false },
);
export const PsResponse = Type.Object({ processes: Type.Array(PsEntry) }, { additionalProperties: false });
export type PsEntry = Static<typeof PsEntry>;
export type PsResponse = Static<typeof PsResponse>;

/** `grid connect`: a process of my grids, reached through the relay on a local port. */
export const ConnectQuery = Type.Object(
  {
    process: ProcessRef,
    grid: Type.Optional(GridRef),
    /** Where to listen on 127.0.0.1 (default: the process's own port when free, else any free one). */
    localPort: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
    /** Which declared port of the process (default: its first). */
    port: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);
export type ConnectQuery = Static<typeof ConnectQuery>;

/** `grid connect` streams these as NDJSON, the first being `listening`, until the CLI goes away. */
export const ConnectEvent = Type.Union([
  Type.Object(
    { type: Type.Literal('listening'), port: Type.Integer(), processId: Type.String(), processName: Type.String(), gridName: Type.String(), remotePort: Type.Integer() },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('opened'), client: Type.String(), connectionId: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('closed'),
      client: Type.String(),
      connectionId: Type.Union([Type.String(), Type.Null()]),
      bytesIn: Type.Integer(),
      bytesOut: Type.Integer(),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('refused'), client: Type.String(), code: Type.String(), message: Type.String() }, { additionalProperties: false }),
  /** Printed by the CLI itself (never sent by the agent): the agent went away, and the port with it. */
  Type.Object({ type: Type.Literal('agent_stopped'), message: Type.String() }, { additionalProperties: false }),
]);
export type ConnectEvent = Static<typeof ConnectEvent>;

/** `grid connections`: the coordinator's records of connections to processes of this PC, newest first. */
export const LocalConnectionsResponse = Type.Object(
  { connections: Type.Array(Type.Object({ processName: Type.String(), connection: Connection }, { additionalProperties: false })) },
  { additionalProperties: false },
);
export type LocalConnectionsResponse = Static<typeof LocalConnectionsResponse>;
