import { CLOSE_CODES, type GridEvent, type SnapshotEvent } from '@gridshare/protocol';
import type { WebSocket } from 'ws';
import { AppError } from '../errors.js';
import type { AuthContext } from '../services/auth.service.js';
import type { EventBus } from './event-bus.js';
import { keepAlive } from './keep-alive.js';

/** A reader this far behind is cut off; it reconnects and gets a fresh snapshot. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_CLIENT_MESSAGE_BYTES = 4096;
/** Events sockets one device (token) may hold open on a coordinator: one per grid it watches is far fewer. */
export const MAX_EVENT_SOCKETS_PER_TOKEN = 64;

export interface EventsSocketDeps {
  bus: EventBus;
  /** The grid as it is now, for this member (throws grid_not_found for anyone else). */
  loadSnapshot(gridId: string, userId: string): Promise<SnapshotEvent>;
  pingIntervalMs: number;
  log: { warn(details: object, message: string): void };
}

/**
 * One watcher of a grid: a snapshot, then every change. Events that happen
 * while a snapshot is read wait and follow it. A resync (the bus lost events)
 * reads a new snapshot; when two are read at once, only the newest is sent —
 * one that finished late must not take the watcher back in time.
 */
export class EventsSocket {
  private generation = 0;
  private ready = false;
  private readonly early: GridEvent[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly gridId: string,
    private readonly auth: AuthContext,
    private readonly deps: EventsSocketDeps,
  ) {
    const unsubscribe = deps.bus.subscribe(gridId, {
      userId: auth.user.id,
      tokenHash: auth.tokenHash,
      send: (event) => (this.ready ? this.send(event) : this.early.push(event)),
      close: (code, reason) => socket.close(code, reason),
      resync: () => void this.snapshot(),
    });
    keepAlive(socket, deps.pingIntervalMs);
    socket.on('close', unsubscribe);
    // Clients only listen; anything they send is ignored (big messages close the socket).
    socket.on('message', (data: Buffer) => {
      if (data.length > MAX_CLIENT_MESSAGE_BYTES) socket.close(1009, 'message too big');
    });
    void this.snapshot();
  }

  private send(event: GridEvent): void {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too far behind; reconnect for a fresh snapshot');
      return;
    }
    socket.send(JSON.stringify(event));
  }

  private async snapshot(): Promise<void> {
    const mine = ++this.generation;
    this.ready = false;
    try {
      const snapshot = await this.deps.loadSnapshot(this.gridId, this.auth.user.id);
      if (mine !== this.generation) return; // a newer one is being read: this one is already out of date
      this.send(snapshot);
      this.ready = true;
      for (const e of this.early.splice(0)) this.send(e);
    } catch (err) {
      if (mine !== this.generation) return;
      const code = err instanceof AppError && err.code === 'grid_not_found' ? CLOSE_CODES.notMember : 1011;
      this.deps.log.warn({ err, gridId: this.gridId }, 'events snapshot failed');
      this.socket.close(code, 'could not load the grid; reconnect');
    }
  }
}
