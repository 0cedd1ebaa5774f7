import type { GridEvent } from '@gridshare/protocol';

/** One open events socket, as the bus sees it. */
export interface Subscriber {
  readonly userId: string;
  readonly tokenHash: string;
  send(event: GridEvent): void;
  close(code: number, reason: string): void;
}

/**
 * Fans grid events out to the sockets of this coordinator. Delivery is
 * in-process: every change is made through this instance's services.
 */
export class EventBus {
  private readonly byGrid = new Map<string, Set<Subscriber>>();
  /** Sockets tied to a token but to no grid (agent links): they close when the token is revoked. */
  private readonly byToken = new Set<Pick<Subscriber, 'tokenHash' | 'close'>>();

  subscribe(gridId: string, sub: Subscriber): () => void {
    let set = this.byGrid.get(gridId);
    if (!set) this.byGrid.set(gridId, (set = new Set()));
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0 && this.byGrid.get(gridId) === set) this.byGrid.delete(gridId);
    };
  }

  watchToken(sub: Pick<Subscriber, 'tokenHash' | 'close'>): () => void {
    this.byToken.add(sub);
    return () => void this.byToken.delete(sub);
  }

  publish(gridId: string, event: GridEvent): void {
    const set = this.byGrid.get(gridId);
    if (!set) return;
    for (const sub of set) sub.send(event);
  }

  /** A member left or was removed: their sockets on that grid close at once. */
  disconnectUser(gridId: string, userId: string, code: number, reason: string): void {
    for (const sub of [...(this.byGrid.get(gridId) ?? [])]) if (sub.userId === userId) sub.close(code, reason);
  }

  /** A token was revoked: every socket opened with it closes. */
  disconnectToken(tokenHash: string, code: number, reason: string): void {
    for (const set of this.byGrid.values()) {
      for (const sub of [...set]) if (sub.tokenHash === tokenHash) sub.close(code, reason);
    }
    for (const sub of [...this.byToken]) if (sub.tokenHash === tokenHash) sub.close(code, reason);
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
