import type { MemberDevice } from '@gridshare/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { EventBus } from '../realtime/event-bus.js';
import type { Database } from '../store/database.js';
import { DevicesRepository } from '../store/devices.repository.js';
import type { AuthContext } from './auth.service.js';

/** One device connected here: how many of its sockets are open, and what we last wrote. */
interface LocalDevice {
  readonly userId: string;
  connections: number;
  /** Whether the database holds this device online by our last successful write. */
  written: boolean;
  /** Writes for this device run one at a time, in order. */
  queue: Promise<void>;
  queued: number;
}

/**
 * Device presence: a device is online while it holds a connection here (an
 * agent link, a browser's events socket). Each device connected here has a
 * lease in the database, renewed every third of `leaseMs`; a coordinator that
 * dies stops renewing, and any coordinator ends the lease once it runs out.
 * Leases are kept on shutdown, so a restart within the lease does not flicker.
 * Changes are published as `device` events to every grid of the device's user.
 */
export class PresenceService {
  private readonly devices: DevicesRepository;
  private readonly local = new Map<string, LocalDevice>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;

  constructor(
    db: Database,
    private readonly bus: EventBus,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {
    this.devices = new DevicesRepository(db);
  }

  get repository(): DevicesRepository {
    return this.devices;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** Stops renewing and writing; leases stay until they run out (a restart within one keeps devices online). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.local.values()].map((d) => d.queue));
  }

  /** The device of `auth` is online while this socket is open. */
  trackSocket(socket: WebSocket, auth: AuthContext): void {
    socket.once('close', this.connected(auth));
  }

  /** A connection of this device opened here; call the returned function once it closes. */
  connected(auth: AuthContext): () => void {
    const id = auth.device.id;
    let d = this.local.get(id);
    if (!d) this.local.set(id, (d = { userId: auth.user.id, connections: 0, written: false, queue: Promise.resolve(), queued: 0 }));
    const device = d;
    if (++device.connections === 1) this.write(id, device);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--device.connections === 0) this.write(id, device);
    };
  }

  /** One renewal round: ends leases that ran out elsewhere, retries failed writes, renews ours. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const here = [...this.local.entries()];
      for (const [id, d] of here) if (d.written !== (d.connections > 0) && d.queued === 0) this.write(id, d);
      const connected = here.filter(([, d]) => d.connections > 0 && d.written).map(([id]) => id);
      for (const device of await this.devices.expireLeases(connected)) await this.publish(device);
      for (const device of await this.devices.renew(connected, this.leaseMs)) await this.publish(device);
    } catch (err) {
      this.log.warn({ err, event: 'presence.renew_failed' }, 'device presence renewal failed; retrying');
    } finally {
      this.ticking = false;
    }
  }

  /** Writes the device's state as it is when the write runs (so writes queued in a burst collapse). */
  private write(id: string, d: LocalDevice): void {
    d.queued++;
    d.queue = d.queue
      .then(async () => {
        const online = d.connections > 0;
        if (this.stopped || online === d.written) return;
        const change = await this.devices.setPresence(id, online ? this.leaseMs : null);
        d.written = online;
        if (change && change.wasOnline !== change.device.online) await this.publish(change.device);
      })
      .catch((err: unknown) => this.log.warn({ err, deviceId: id, event: 'presence.write_failed' }, 'device presence write failed; the next renewal retries'))
      .finally(() => {
        if (--d.queued === 0 && d.connections === 0 && d.written === false && this.local.get(id) === d) this.local.delete(id);
      });
  }

  /** A user joined a grid: its members learn the newcomer's devices. */
  async announce(gridId: string, userId: string): Promise<void> {
    for (const device of await this.devices.listForGrid(gridId, userId)) this.bus.publish(gridId, { type: 'device', device });
  }

  private async publish(device: MemberDevice): Promise<void> {
    this.log.info(
      { event: device.online ? 'device.online' : 'device.offline', deviceId: device.id, userId: device.userId },
      `device ${device.name} ${device.online ? 'online' : 'offline'}`,
    );
    for (const gridId of await this.devices.gridsOfUser(device.userId)) this.bus.publish(gridId, { type: 'device', device });
  }
}
