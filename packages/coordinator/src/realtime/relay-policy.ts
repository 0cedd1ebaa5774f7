import type { TunnelErrorCode } from '@gridshare/protocol';
import type { RelayLink, RelayStream } from './relay-stream.js';

/* What the relay asks of the rest of the coordinator (RelayPolicy, answered by TunnelService) and what it reports. */

/** Where a stream goes: the process's grid, its host's device, the declared port. */
export interface StreamTarget {
  gridId: string;
  hostDeviceId: string;
  port: number;
}

/** Why a stream may not open, with the code the guest hears. */
export class TunnelRefusal extends Error {
  override name = 'TunnelRefusal';
  constructor(
    readonly code: TunnelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The rules and the records: the relay asks, the tunnel service answers. */
export interface RelayPolicy {
  /** May this guest reach the process, and on which declared port? Throws TunnelRefusal. */
  authorize(stream: RelayStream): Promise<StreamTarget>;
  /** A stream another coordinator authorized (peer-in): where its process is, if it is still reachable. Throws TunnelRefusal. */
  locate(stream: RelayStream): Promise<StreamTarget>;
  /** A link to the coordinator holding this device's agent link, when that is another one; null when none does. */
  remoteHost(hostDeviceId: string): Promise<RelayLink | null>;
  /** An agent link came up here (resolves once that is recorded for the other coordinators), or went. */
  linkUp(deviceId: string): Promise<void>;
  linkDown(deviceId: string): void;
  /** Records the stream; resolves to its connection id. */
  record(stream: RelayStream): Promise<string>;
  closed(stream: RelayStream, reason: string): void;
}

export interface RelayStats {
  links: number;
  openStreams: number;
  streamsOpened: number;
  refused: number;
  bytesIn: number;
  bytesOut: number;
  /** The most DATA one stream ever had in flight here (forwarded, not yet given back with WINDOW). Never above the window. */
  inFlightHighWater: number;
  /** The most bytes one link's socket ever held unsent. */
  linkBufferedHighWater: number;
  protocolErrors: number;
}
