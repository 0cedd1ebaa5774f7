import { type Connection, MAX_DATA_BYTES, type Process } from '@gridshare/protocol';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { CoordinatorConfig } from '../config.js';
import { AppError, processNotFound } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import { PeerLink } from '../realtime/peer-link.js';
import type { RelayLink, RelayStream } from '../realtime/relay-stream.js';
import { type RelayPolicy, type StreamTarget, TunnelRefusal, TunnelRelay } from '../realtime/tunnel-relay.js';
import { ClusterRepository, type CoordinatorRecord } from '../store/cluster.repository.js';
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
  /** Set when other coordinators share the database: this one, and its links to the others by their id. */
  private cluster: { self: CoordinatorRecord; repo: ClusterRepository; peers: Map<string, Promise<PeerLink>> } | null = null;
  private readonly linkWrites = new Map<string, Promise<void>>();

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
    processes.onChange((p) => this.processChanged(p));
  }

  start(): void {
    this.timer = setInterval(() => void this.reportProgress(), PROGRESS_MS);
    this.timer.unref();
  }

  /** Shutdown: streams are reset, links closed, and the last counts written. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.relay.close();
  }

  /** A new agent link; it closes when its token is revoked (logout). */
  attachLink(socket: WebSocket, auth: AuthContext): void {
    const link = this.relay.attach(socket, auth);
    const unwatch = this.bus.watchToken({ tokenHash: auth.tokenHash, close: (code, reason) => link.close(code, reason) });
    socket.on('close', unwatch);
  }

  // ---- several coordinators ------------------------------------------------------------------

  /**
   * Other coordinators share the database: this one says where it can be
   * reached and which agent links it holds, so their guests can reach hosts here.
   */
  async joinCluster(self: CoordinatorRecord, db: Database): Promise<void> {
    const repo = new ClusterRepository(db);
    await repo.register(self);
    this.cluster = { self, repo, peers: new Map() };
    for (const deviceId of this.relay.linkedDevices()) this.linkUp(deviceId);
  }

  async leaveCluster(): Promise<void> {
    const c = this.cluster;
    if (!c) return;
    this.cluster = null;
    for (const p of c.peers.values()) void p.then((link) => link.close(1001, 'coordinator shutting down'), () => {});
    await c.repo.unregister(c.self.id).catch((err: unknown) => this.log.warn({ err }, 'could not unregister from the cluster'));
  }

  /** Whether a peer link request carries this coordinator's secret. */
  isPeer(authorization: string | undefined): boolean {
    if (!this.cluster || !authorization) return false;
    const given = Buffer.from(authorization);
    const expected = Buffer.from(`Bearer ${this.cluster.self.secret}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
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

  async remoteHost(hostDeviceId: string): Promise<RelayLink | null> {
    const c = this.cluster;
    if (!c) return null;
    const peer = await c.repo.coordinatorOf(hostDeviceId);
    if (!peer || peer.id === c.self.id) return null;
    // A link that went down (and whose close is not handled yet) is replaced once.
    for (let attempt = 0; attempt < 2; attempt++) {
      let link = c.peers.get(peer.id);
      if (!link) {
        link = PeerLink.connect(c.self.id, peer, { frame: (l, f) => this.relay.frame(l, f), closed: (l) => this.peerClosed(c, peer.id, l) }, this.log);
        c.peers.set(peer.id, link);
      }
      try {
        const open = await link;
        if (open.open) return open;
      } catch (err) {
        this.log.warn({ err, peer: peer.id, url: peer.url }, 'could not reach the coordinator that holds the host');
        if (c.peers.get(peer.id) === link) c.peers.delete(peer.id);
        return null;
      }
      if (c.peers.get(peer.id) === link) c.peers.delete(peer.id);
    }
    return null;
  }

  private peerClosed(c: NonNullable<TunnelService['cluster']>, peerId: string, link: RelayLink): void {
    const current = c.peers.get(peerId);
    if (current) void current.then((l) => l === link && c.peers.get(peerId) === current && c.peers.delete(peerId), () => {});
    this.relay.closed(link);
  }

  linkUp(deviceId: string): void {
    this.writeLink(deviceId, true);
  }

  linkDown(deviceId: string): void {
    this.writeLink(deviceId, false);
  }

  /** Where a device's link is, written in the order its links came and went (a quick reconnect must not end as "gone"). */
  private writeLink(deviceId: string, up: boolean): void {
    const c = this.cluster;
    if (!c) return;
    const write = (this.linkWrites.get(deviceId) ?? Promise.resolve())
      .then(() => (up ? c.repo.linkUp(deviceId, c.self.id) : c.repo.linkDown(deviceId, c.self.id)))
      .catch((err: unknown) => this.log.warn({ err, deviceId }, 'could not record where an agent link is; the next progress round repairs it'))
      .finally(() => {
        if (this.linkWrites.get(deviceId) === write) this.linkWrites.delete(deviceId);
      });
    this.linkWrites.set(deviceId, write);
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
      if (this.cluster) await this.cluster.repo.claimLinks(this.relay.linkedDevices(), this.cluster.self.id);
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
