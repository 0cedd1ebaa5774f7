import type { GridEvent } from '@gridshare/protocol';
import type { ClusterMessage } from './cluster-fanout.js';

/** One open events socket, as the bus sees it. */
export interface Subscriber {
  readonly userId: string;
  readonly tokenHash: string;
  send(event: GridEvent): void;
  close(code: number, reason: string): void;
  /** Sends a fresh snapshot (events may have been missed). */
  resync(): void;
}

/**
 * Fans grid events out to the sockets of this coordinator, and (with a
 * fan-out, on PostgreSQL) tells the other coordinators of the same database,
 * whose `…Here` methods deliver them to their own sockets.
 */
export class EventBus {
  /** Set when other coordinators may share the database. */
  fanout: { send(m: ClusterMessage): void } | undefined;

  private readonly byGrid = new Map<string, Set<Subscriber>>();
  /** Sockets tied to a token but to no grid (agent links): they close when the token is revoked. */
  private readonly byToken = new Set<Pick<Subscriber, 'tokenHash' | 'close'>>();

  /** Open events sockets per token (one device's), to cap them. */
  private readonly perToken = new Map<string, number>();

  subscribe(gridId: string, sub: Subscriber): () => void {
    let set = this.byGrid.get(gridId);
    if (!set) this.byGrid.set(gridId, (set = new Set()));
    set.add(sub);
    this.perToken.set(sub.tokenHash, (this.perToken.get(sub.tokenHash) ?? 0) + 1);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      set.delete(sub);
      if (set.size === 0 && this.byGrid.get(gridId) === set) this.byGrid.delete(gridId);
      const n = (this.perToken.get(sub.tokenHash) ?? 1) - 1;
      if (n > 0) this.perToken.set(sub.tokenHash, n);
      else this.perToken.delete(sub.tokenHash);
    };
  }

  /** How many events sockets this token has open here. */
  socketsOf(tokenHash: string): number {
    return this.perToken.get(tokenHash) ?? 0;
  }

  watchToken(sub: Pick<Subscriber, 'tokenHash' | 'close'>): () => void {
    this.byToken.add(sub);
    return () => void this.byToken.delete(sub);
  }

  publish(gridId: string, event: GridEvent): void {
    this.deliverHere(gridId, event);
    this.fanout?.send({ kind: 'event', gridId, event });
  }

  deliverHere(gridId: string, event: GridEvent): void {
    const set = this.byGrid.get(gridId);
    if (!set) return;
    for (const sub of set) sub.send(event);
  }

  /** A member left or was removed: their sockets on that grid close at once. */
  disconnectUser(gridId: string, userId: string, code: number, reason: string): void {
    this.disconnectUserHere(gridId, userId, code, reason);
    this.fanout?.send({ kind: 'member_gone', gridId, userId, code, reason });
  }

  disconnectUserHere(gridId: string, userId: string, code: number, reason: string): void {
    for (const sub of [...(this.byGrid.get(gridId) ?? [])]) if (sub.userId === userId) sub.close(code, reason);
  }

  /** A token was revoked: every socket opened with it closes. */
  disconnectToken(tokenHash: string, code: number, reason: string): void {
    this.disconnectTokenHere(tokenHash, code, reason);
    this.fanout?.send({ kind: 'token_revoked', tokenHash, code, reason });
  }

  disconnectTokenHere(tokenHash: string, code: number, reason: string): void {
    for (const set of this.byGrid.values()) {
      for (const sub of [...set]) if (sub.tokenHash === tokenHash) sub.close(code, reason);
    }
    for (const sub of [...this.byToken]) if (sub.tokenHash === tokenHash) sub.close(code, reason);
  }

  /** Every socket here gets a fresh snapshot: events from other coordinators may have been missed. */
  resyncAll(): void {
    for (const set of this.byGrid.values()) for (const sub of set) sub.resync();
  }

  closeAll(code: number, reason: string): void {
    for (const set of [...this.byGrid.values()]) for (const sub of [...set]) sub.close(code, reason);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.byGrid.values()) n += set.size;
    return n;
  }
}
