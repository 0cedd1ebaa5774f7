import type { AgentLink } from './agent-link.js';

export interface StreamEnd {
  link: AgentLink;
  sid: number;
}

/**
 * One stream through the relay, guest → host. The relay holds no data of its
 * own: it forwards each frame as it comes and only counts credit, so what a
 * stream can have in flight here is at most the window in each direction.
 */
export class RelayStream {
  /** authorizing: checking the caller; opening: OPEN sent to the host; open: OPEN_OK passed on. */
  state: 'authorizing' | 'opening' | 'open' | 'closed' = 'authorizing';
  host: StreamEnd | null = null;
  /** The host has been sent OPEN (so it must hear of a reset). */
  hostKnows = false;
  connectionId: string | null = null;
  gridId: string | null = null;
  port = 0;
  /** Bytes the guest may still send toward the host, and the host toward the guest. */
  creditToHost: number;
  creditToGuest: number;
  bytesIn = 0;
  bytesOut = 0;
  finFromGuest = false;
  finFromHost = false;
  closeReason: string | null = null;
  readonly createdAt = Date.now();
  lastActivity = Date.now();

  constructor(
    readonly guest: StreamEnd,
    readonly processId: string,
    readonly requestedPort: number,
    readonly windowBytes: number,
  ) {
    this.creditToHost = windowBytes;
    this.creditToGuest = windowBytes;
  }

  /** A method, not a comparison: TypeScript would keep the state it saw before an await. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  get userId(): string {
    return this.guest.link.userId;
  }
  get deviceId(): string {
    return this.guest.link.deviceId;
  }
}
