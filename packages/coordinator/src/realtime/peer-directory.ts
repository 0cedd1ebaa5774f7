import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { ClusterRepository, type CoordinatorRecord } from '../store/cluster.repository.js';
import type { Database } from '../store/database.js';
import { PeerLink } from './peer-link.js';
import type { RelayLink } from './relay-stream.js';
import type { TunnelRelay } from './tunnel-relay.js';

interface Joined {
  self: CoordinatorRecord;
  repo: ClusterRepository;
  /** Our peer links to the others, by their id (a promise while one connects). */
  links: Map<string, Promise<PeerLink>>;
}

/**
 * The other coordinators of the same PostgreSQL, for tunnels: where this one
 * can be reached and which agent links it holds (so their guests can reach
 * hosts here), and our peer links to them (so our guests can reach theirs).
 * Idle until `join` (never, on the embedded database).
 */
export class PeerDirectory {
  private joined: Joined | null = null;
  /** Writes of a device's link location, in the order its links came and went. */
  private readonly linkWrites = new Map<string, Promise<void>>();
  /** When each of our agent links was recorded, by the database clock: a claim never overrides a newer link elsewhere. */
  private readonly linkedAt = new Map<string, string>();

  constructor(
    private readonly relay: TunnelRelay,
    private readonly log: Logger,
  ) {}

  async join(self: CoordinatorRecord, db: Database): Promise<void> {
    const repo = new ClusterRepository(db);
    await repo.register(self);
    this.joined = { self, repo, links: new Map() };
    for (const deviceId of this.relay.linkedDevices()) void this.linkWritten(deviceId, true);
  }

  async leave(): Promise<void> {
    const j = this.joined;
    if (!j) return;
    this.joined = null;
    for (const p of j.links.values()) void p.then((link) => link.close(1001, 'coordinator shutting down'), () => {});
    await j.repo.unregister(j.self.id).catch((err: unknown) => this.log.warn({ err }, 'could not unregister from the cluster'));
  }

  /** Whether a peer link request carries this coordinator's secret. */
  isPeer(authorization: string | undefined): boolean {
    if (!this.joined || !authorization) return false;
    const given = Buffer.from(authorization);
    const expected = Buffer.from(`Bearer ${this.joined.self.secret}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A link to the coordinator holding this device's agent link, when that is another one; null when none does (or it cannot be reached). */
  async remoteHost(hostDeviceId: string): Promise<RelayLink | null> {
    const j = this.joined;
    if (!j) return null;
    const peer = await j.repo.coordinatorOf(hostDeviceId);
    if (!peer || peer.id === j.self.id) return null;
    // A link that went down (and whose close is not handled yet) is replaced once.
    for (let attempt = 0; attempt < 2; attempt++) {
      let link = j.links.get(peer.id);
      if (!link) {
        link = PeerLink.connect(j.self.id, peer, { frame: (l, f) => this.relay.frame(l, f), closed: (l) => this.closed(j, peer.id, l) }, this.log);
        j.links.set(peer.id, link);
      }
      try {
        const open = await link;
        if (open.open) return open;
      } catch (err) {
        this.log.warn({ err, peer: peer.id, url: peer.url }, 'could not reach the coordinator that holds the host');
        if (j.links.get(peer.id) === link) j.links.delete(peer.id);
        return null;
      }
      if (j.links.get(peer.id) === link) j.links.delete(peer.id);
    }
    return null;
  }

  /** An agent link came up here, or went: written in order (a quick reconnect must not end as "gone"). Resolves once written (or the write failed and was logged). */
  linkWritten(deviceId: string, up: boolean): Promise<void> {
    const j = this.joined;
    if (!j) return Promise.resolve();
    const write = (this.linkWrites.get(deviceId) ?? Promise.resolve())
      .then(async () => {
        if (!up) {
          this.linkedAt.delete(deviceId);
          return j.repo.linkDown(deviceId, j.self.id);
        }
        this.linkedAt.set(deviceId, await j.repo.linkUp(deviceId, j.self.id));
      })
      .catch((err: unknown) => this.log.warn({ err, deviceId }, 'could not record where an agent link is; the next claim repairs it'))
      .finally(() => {
        if (this.linkWrites.get(deviceId) === write) this.linkWrites.delete(deviceId);
      });
    this.linkWrites.set(deviceId, write);
    return write;
  }

  /** Our agent links are ours, whatever a late write from elsewhere left in the table. */
  async claimLinks(): Promise<void> {
    const j = this.joined;
    if (j) await j.repo.claimLinks(this.relay.linkedDevices().map((id) => ({ id, at: this.linkedAt.get(id) ?? null })), j.self.id);
  }

  private closed(j: Joined, peerId: string, link: RelayLink): void {
    const current = j.links.get(peerId);
    if (current) void current.then((l) => l === link && j.links.get(peerId) === current && j.links.delete(peerId), () => {});
    this.relay.closed(link);
  }
}
