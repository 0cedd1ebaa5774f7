import { GridEvent } from '@gridshare/protocol';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Subscription } from '../store/database.js';

/** The PostgreSQL channel coordinators sharing one database tell each other on. */
export const CLUSTER_CHANNEL = 'gridshare_cluster';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;

/** What one coordinator tells the others: what its own sockets were told. */
export const ClusterMessage = Type.Union([
  Type.Object({ kind: Type.Literal('event'), gridId: Type.String(), event: GridEvent }),
  /** A process event too big for one notification: the receiver reads the process itself. */
  Type.Object({ kind: Type.Literal('process'), gridId: Type.String(), processId: Type.String() }),
  /** A member left or was removed: their sockets on that grid close, their streams into it end. */
  Type.Object({ kind: Type.Literal('member_gone'), gridId: Type.String(), userId: Type.String(), code: Type.Integer(), reason: Type.String() }),
  /** A host closed connections to a process (one, or all when connectionId is null): streams relayed elsewhere end too. */
  Type.Object({ kind: Type.Literal('connections_closed'), processId: Type.String(), connectionId: Type.Union([Type.String(), Type.Null()]), message: Type.String() }),
  /** A token was revoked (logout): every socket opened with it closes, no cache honours it. */
  Type.Object({ kind: Type.Literal('token_revoked'), tokenHash: Type.String(), code: Type.Integer(), reason: Type.String() }),
]);
export type ClusterMessage = Static<typeof ClusterMessage>;
const Envelope = Type.Object({ origin: Type.String(), message: ClusterMessage });

export interface ClusterHandlers {
  message(m: ClusterMessage): void;
  /** Notifications were lost while the listening connection was down. */
  resumed(): void;
}

/**
 * Fan-out between coordinators that share one PostgreSQL: NOTIFY on publish,
 * LISTEN for the others'. Sends go one at a time, so every coordinator hears
 * one coordinator's messages in the order it sent them. A coordinator ignores
 * its own messages (it delivered them to its sockets already).
 */
export class ClusterFanout {
  readonly origin = randomUUID();
  private queue: Promise<void> = Promise.resolve();
  private subscription: Subscription | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  async start(handlers: ClusterHandlers): Promise<void> {
    if (!this.db.listen) throw new Error(`the ${this.db.engine} engine cannot LISTEN`);
    this.subscription = await this.db.listen(CLUSTER_CHANNEL, {
      message: (payload) => {
        const m = this.parse(payload);
        if (m) handlers.message(m);
      },
      resumed: () => {
        this.log.warn({ event: 'cluster.resumed' }, 'listening to other coordinators again; messages in between were lost');
        handlers.resumed();
      },
    });
  }

  send(message: ClusterMessage): void {
    if (this.stopped) return;
    let payload = JSON.stringify({ origin: this.origin, message });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES && message.kind === 'event' && message.event.type === 'process') {
      payload = JSON.stringify({ origin: this.origin, message: { kind: 'process', gridId: message.gridId, processId: message.event.process.id } });
    }
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.log.error({ event: 'cluster.oversize', kind: message.kind, bytes: Buffer.byteLength(payload) }, 'a cluster message is too big to send; other coordinators miss it');
      return;
    }
    this.queue = this.queue
      .then(() => this.db.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, payload]))
      .then(
        () => {},
        (err: unknown) => this.log.warn({ err, event: 'cluster.send_failed', kind: message.kind }, 'could not tell the other coordinators'),
      );
  }

  /** Sends what is queued, then stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await this.subscription?.close();
  }

  private parse(payload: string): ClusterMessage | null {
    let data: unknown;
    try {
      data = JSON.parse(payload);
    } catch {
      data = undefined;
    }
    if (!Value.Check(Envelope, data)) {
      this.log.warn({ event: 'cluster.bad_message', bytes: payload.length }, 'ignored a malformed cluster message');
      return null;
    }
    return data.origin === this.origin ? null : data.message;
  }
}
