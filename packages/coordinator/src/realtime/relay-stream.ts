/**
 * One end of the relay: an agent's link; or a peer link between two
 * coordinators that share a database — `peer-in` carries streams another
 * coordinator opens here (its guests, our hosts), `peer-out` streams we open
 * there (our guests, its hosts).
 */
export interface RelayLink {
  readonly kind: 'agent' | 'peer-in' | 'peer-out';
  /** This link's streams by its stream id (odd: opened from the far end; even: opened by us — peer-out: all ours, odd). */
  readonly streams: Map<number, RelayStream>;
  readonly userId: string;
  readonly deviceId: string;
  readonly open: boolean;
  readonly bufferedHighWater: number;
  /** A fresh id for a stream we open on this link. */
  allocateHostSid(): number;
  send(frame: Buffer): void;
  close(code: number, reason: string): void;
}

export interface StreamEnd {
  link: RelayLink;
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
  /**
   * Set when the stream came from another coordinator (a peer-in link): that
   * one checked the guest and records the connection, under this id.
   */
  peerConnectionId: string | null = null;
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
