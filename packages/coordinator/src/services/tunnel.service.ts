import { type Connection, MAX_DATA_BYTES, type Process } from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { CoordinatorConfig } from '../config.js';
import { AppError, processNotFound } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import { PeerDirectory } from '../realtime/peer-directory.js';
import type { RelayLink, RelayStream } from '../realtime/relay-stream.js';
import { type RelayPolicy, type StreamTarget, TunnelRefusal } from '../realtime/relay-policy.js';
import { TunnelRelay } from '../realtime/tunnel-relay.js';
import { ConnectionsRepository } from '../store/connections.repository.js';
import type { Database } from '../store/database.js';
import { GridsRepository } from '../store/grids.repository.js';
import type { AuthContext } from './auth.service.js';
import { atLeast, type GridAccess } from './grid-access.js';
import type { ProcessService } from './process.service.js';

/** How often the byte counts of open streams are written (and prove their relay alive). */
const PROGRESS_MS = 5_000;
/** An open stream not reported for this long lost its coordinator: it is closed as link_lost. */
const STALE_MS = 6 * PROGRESS_MS;

/**
 * Who may open a tunnel stream to what, and the record of every stream. The
 * relay (realtime/) moves the bytes and asks this service at each open.
 */
export class TunnelService implements RelayPolicy {
  readonly relay: TunnelRelay;
  private readonly connections: ConnectionsRepository;
  private readonly grids: GridsRepository;
  private timer: NodeJS.Timeout | undefined;
  /** Close records being written: a host's close answers after them, so a list right after shows them closed. */
  private readonly closing = new Set<Promise<unknown>>();
  /** Other coordinators of the same database, once this one has joined them. */
  readonly peers: PeerDirectory;

  constructor(
    db: Database,
    private readonly access: GridAccess,
    private readonly processes: ProcessService,
    private readonly bus: EventBus,
    config: CoordinatorConfig,
    private readonly log: Logger,
  ) {
    this.connections = new ConnectionsRepository(db);
    this.grids = new GridsRepository(db);
    this.relay = new TunnelRelay(
      this,
      {
        windowBytes: config.tunnelWindowBytes,
        maxDataBytes: MAX_DATA_BYTES,
        idleTimeoutMs: config.tunnelIdleTimeoutMs,
        pingIntervalMs: config.wsPingIntervalMs,
        maxStreams: config.tunnelMaxStreams,
      },
      log,
    );
    this.peers = new PeerDirectory(this.relay, log);
    processes.onChange((p) => this.processChanged(p));
  }

  start(): void {
    this.timer = setInterval(() => void this.reportProgress(), PROGRESS_MS);
    this.timer.unref();
  }

  /** Shutdown: streams are reset, links closed, and the last counts written — before the database closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.relay.close();
    await this.closesWritten();
  }

  /** A new agent link; it closes when its token is revoked (logout). */
  attachLink(socket: WebSocket, auth: AuthContext): void {
    const link = this.relay.attach(socket, auth);
    const unwatch = this.bus.watchToken({ tokenHash: auth.tokenHash, close: (code, reason) => link.close(code, reason) });
    socket.on('close', unwatch);
  }

  /** Another coordinator's link here: it opens streams to hosts whose agent links are here. */
  attachPeer(socket: WebSocket, peerId: string): void {
    const epoch = new Date(0).toISOString();
    const peer = Object.freeze({
      user: { id: peerId, username: 'coordinator', createdAt: epoch },
      device: { id: peerId, name: 'coordinator', createdAt: epoch, lastSeenAt: epoch },
      tokenHash: '',
    });
    this.relay.attachPeer(socket, peer);
    this.log.info({ event: 'peer.attached', peer: peerId }, 'peer link from another coordinator');
  }

  // ---- the relay's questions -------------------------------------------------------------

  async authorize(s: RelayStream): Promise<StreamTarget> {
    const p = await this.processes.repository.find(s.processId);
    // Known before the membership check, so that a removal racing this open finds the stream.
    if (p) s.gridId = p.gridId;
    // A non-member learns nothing: the same answer as for a process that does not exist.
    if (!p || !(await this.grids.findMember(p.gridId, s.userId))) throw new TunnelRefusal('process_not_found', 'no such process in your grids');
    return reachable(p, s.requestedPort);
  }

  /** A stream another coordinator authorized: the process must still be reachable, on the port it picked. */
  async locate(s: RelayStream): Promise<StreamTarget> {
    const p = await this.processes.repository.find(s.processId);
    if (!p) throw new TunnelRefusal('process_not_found', 'no such process');
    s.gridId = p.gridId;
    return reachable(p, s.requestedPort);
  }

  remoteHost(hostDeviceId: string): Promise<RelayLink | null> {
    return this.peers.remoteHost(hostDeviceId);
  }

  linkUp(deviceId: string): Promise<void> {
    return this.peers.linkWritten(deviceId, true);
  }

  linkDown(deviceId: string): void {
    this.peers.linkWritten(deviceId, false);
  }

  async record(s: RelayStream): Promise<string> {
    const id = randomUUID();
    await this.connections.insert({ id, processId: s.processId, gridId: s.gridId!, userId: s.userId, deviceId: s.deviceId, port: s.port });
    this.log.info({ event: 'connection.opened', connectionId: id, processId: s.processId, userId: s.userId, port: s.port }, `connection ${id} to process ${s.processId} opened`);
    return id;
  }

  closed(s: RelayStream, reason: string): void {
    const c = { id: s.connectionId!, bytesIn: s.bytesIn, bytesOut: s.bytesOut };
    this.log.info({ event: 'connection.closed', connectionId: c.id, processId: s.processId, reason, bytesIn: c.bytesIn, bytesOut: c.bytesOut }, `connection ${c.id} closed (${reason})`);
    const write = this.connections
      .close(c, reason)
      .catch((err: unknown) => this.log.warn({ err, connectionId: c.id }, 'could not record a closed connection'))
      .finally(() => this.closing.delete(write));
    this.closing.add(write);
  }

  private async closesWritten(): Promise<void> {
    await Promise.all([...this.closing]);
  }

  /** A process stopped or became private: its streams end (also when another coordinator made the change). */
  processChanged(p: Process): void {
    if (p.status === 'stopped') this.relay.resetWhere((s) => s.processId === p.id, 'process_stopped', `'${p.name}' stopped`);
    else if (p.private) this.relay.resetWhere((s) => s.processId === p.id, 'process_private', `'${p.name}' became private`);
  }

  /** The host closed connections through another coordinator: the streams relayed here end too. */
  closeRelayedHere(processId: string, connectionId: string | null, message: string): void {
    this.relay.resetWhere(
      (s) => s.processId === processId && (connectionId === null || s.connectionId === connectionId),
      'closed_by_host',
      message,
    );
  }

  /** A member left or was removed: their streams into that grid end now. */
  closeForMember(gridId: string, userId: string): void {
    this.relay.resetWhere((s) => s.userId === userId && s.gridId === gridId, 'access_revoked', 'you are no longer a member of that grid');
  }

  // ---- the host's view -------------------------------------------------------------------

  async list(ctx: AuthContext, gridId: string, processId: string, openOnly: boolean): Promise<Connection[]> {
    await this.requireHostOrAdmin(ctx, gridId, processId);
    const live = new Map(this.relay.openStreams().map((s) => [s.connectionId, s]));
    return (await this.connections.list(processId, openOnly)).map((c) => {
      const s = c.closedAt === null ? live.get(c.id) : undefined;
      return s ? { ...c, bytesIn: s.bytesIn, bytesOut: s.bytesOut } : c;
    });
  }

  async closeAll(ctx: AuthContext, gridId: string, processId: string): Promise<number> {
    await this.requireHostOrAdmin(ctx, gridId, processId);
    const by = `closed by ${ctx.user.username}`;
    const n = this.relay.resetWhere((s) => s.processId === processId, 'closed_by_host', by);
    // The process's streams may also run through other coordinators (theirs are recorded there).
    this.bus.fanout?.send({ kind: 'connections_closed', processId, connectionId: null, message: by });
    await this.closesWritten();
    return n;
  }

  async closeOne(ctx: AuthContext, gridId: string, processId: string, connectionId: string): Promise<void> {
    await this.requireHostOrAdmin(ctx, gridId, processId);
    const by = `closed by ${ctx.user.username}`;
    const n = this.relay.resetWhere((s) => s.connectionId === connectionId && s.processId === processId, 'closed_by_host', by);
    if (n === 0) this.bus.fanout?.send({ kind: 'connections_closed', processId, connectionId, message: by });
    if (n === 0 && !(await this.connections.exists(connectionId, processId))) {
      throw new AppError('connection_not_found', 'no such connection to this process');
    }
    await this.closesWritten();
  }

  /** The host (any of their devices) or a grid owner/admin; other members learn nothing beyond "forbidden". */
  private async requireHostOrAdmin(ctx: AuthContext, gridId: string, processId: string): Promise<void> {
    const member = await this.access.requireMember(gridId, ctx.user.id);
    const p = await this.processes.repository.find(processId);
    if (!p || p.gridId !== gridId) throw processNotFound();
    if (p.hostUserId !== ctx.user.id && !atLeast(member.role, 'admin')) {
      throw new AppError('forbidden', "only the process's host, or a grid owner or admin, may see or close its connections");
    }
  }

  private async reportProgress(): Promise<void> {
    try {
      await this.connections.recordProgress(this.relay.openStreams().map((s) => ({ id: s.connectionId!, bytesIn: s.bytesIn, bytesOut: s.bytesOut })));
      // Our agent links are ours, whatever a racing write (another coordinator's, late) left in the table.
      await this.peers.claimLinks();
      // Only after our own rows are fresh: a stale row then belongs to a coordinator that is gone.
      const lost = await this.connections.sweep(STALE_MS);
      if (lost) this.log.warn({ event: 'connection.lost', count: lost }, `${lost} connection(s) of a vanished coordinator closed`);
    } catch (err) {
      this.log.warn({ err }, 'could not record connection progress');
    }
  }
}

/** A process a stream may reach: online, not private, and the port one it declared (0: its first). Throws TunnelRefusal. */
function reachable(p: Process, requestedPort: number): StreamTarget {
  if (p.status !== 'online') throw new TunnelRefusal('process_offline', `'${p.name}' is ${p.status}`);
  if (p.private) throw new TunnelRefusal('process_private', `'${p.name}' is private: its host refuses connections`);
  const declared = p.ports.filter((x) => x.protocol === 'tcp').map((x) => x.port);
  const port = requestedPort === 0 ? declared[0] : declared.find((x) => x === requestedPort);
  if (port === undefined) {
    throw new TunnelRefusal(
      'port_not_declared',
      declared.length ? `'${p.name}' declares port ${declared.join(', ')}, not ${requestedPort}` : `'${p.name}' declares no TCP port`,
    );
  }
  return { gridId: p.gridId, hostDeviceId: p.hostDeviceId, port };
}
