/**
 * Pure liveness rules. A process is online while its heartbeats arrive; it
 * expires stale-after milliseconds after the last one — unless this
 * coordinator has not been able to watch for that long (just started, or the
 * database just came back), in which case every online process first gets a
 * full stale window (the way Kubernetes treats node leases after a
 * controller restart).
 */

/** Until when expiries are held back after the coordinator could watch again at `sinceMs`. */
export function graceUntil(sinceMs: number, staleAfterMs: number): number {
  return sinceMs + staleAfterMs;
}

export function mayExpire(nowMs: number, graceUntilMs: number): boolean {
  return nowMs >= graceUntilMs;
}

/** The moment a process with this last heartbeat goes offline. */
export function deadline(lastHeartbeatMs: number, staleAfterMs: number): number {
  return lastHeartbeatMs + staleAfterMs;
}

/**
 * Latest an expiry can be noticed after its deadline: one sweep interval for
 * the sweep to come round, plus one flush interval for a heartbeat to reach
 * the database. Config keeps this under a second.
 */
export function worstExpiryLagMs(sweepIntervalMs: number, flushIntervalMs: number): number {
  return sweepIntervalMs + flushIntervalMs;
}
