/**
 * Experiments for `ablate.ts`: each patch removes (or changes) one piece of
 * the coordinator's heartbeat path at runtime, in the benchmark's server
 * process only, so its cost can be measured. Nothing here changes packages/.
 */
import type { HeartbeatRequest } from '@gridshare/protocol';
import type { Logger } from 'pino';
import type { Coordinator } from '../../packages/coordinator/src/app.js';
import type { AuthContext } from '../../packages/coordinator/src/services/auth.service.js';
import type { PendingBeat } from '../../packages/coordinator/src/store/processes.repository.js';

export const PATCHES = {
  /** No prom-client histogram observation per request (the onResponse hook stays, empty). */
  'no-request-histogram': 'the onResponse hook observes nothing',
  /** Token cache keyed by the raw token and holding the whole AuthContext: no SHA-256 and no object spread per request. */
  'token-cache-by-token': 'auth: cache hit without hashing the token',
  /** Fastify's per-request pino child logger (logger.child({reqId})) is the root logger itself. */
  'no-child-logger': 'no pino child logger per request',
  /** accept() only records the beat: no JSON.stringify of the health, no Process copy, no event. */
  'no-health-event': 'heartbeat: no health comparison or event',
  /** Heartbeats flushed every second instead of every 250 ms (config only). */
  'flush-1000ms': 'GRID_FLUSH_INTERVAL_MS=1000',
  /** Never writes coalesced heartbeats: a broken coordinator the durability check must catch (its own test). */
  'no-flush': 'heartbeats stay in memory',
} as const;
export type Patch = keyof typeof PATCHES;

export function isPatch(s: string): s is Patch {
  return Object.hasOwn(PATCHES, s);
}

/** Environment a patch needs before the config is loaded. */
export function patchEnv(patches: readonly Patch[]): Record<string, string> {
  return patches.includes('flush-1000ms') ? { GRID_FLUSH_INTERVAL_MS: '1000' } : {};
}

interface ProcessServiceInternals {
  pending: Map<string, PendingBeat>;
  metrics: { heartbeats: { inc(): void } };
  accept(entry: { process: { id: string } }, body: HeartbeatRequest): void;
}

/** Applies the patches to a coordinator that is built but not yet listening. */
export function applyPatches(c: Coordinator, log: Logger, patches: readonly Patch[]): void {
  const s = c.services;
  if (patches.includes('no-request-histogram')) {
    s.metrics.requestDuration.observe = () => {};
  }
  if (patches.includes('token-cache-by-token')) {
    const auth = s.auth;
    const original = auth.authenticate.bind(auth);
    const cache = new Map<string, { ctx: AuthContext; expiresAt: number }>();
    auth.authenticate = async (token) => {
      if (!token) return original(token);
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.expiresAt > now) return hit.ctx;
      const ctx = await original(token);
      if (cache.size >= 50_000) cache.clear();
      cache.set(token, { ctx, expiresAt: now + 10_000 });
      return ctx;
    };
  }
  if (patches.includes('no-child-logger')) {
    (log as unknown as { child: () => Logger }).child = () => log;
  }
  if (patches.includes('no-flush')) {
    s.processes.flush = async () => 0;
  }
  if (patches.includes('no-health-event')) {
    const p = s.processes as unknown as ProcessServiceInternals;
    p.accept = function (this: ProcessServiceInternals, entry, body) {
      this.metrics.heartbeats.inc();
      const id = entry.process.id;
      const prev = this.pending.get(id);
      this.pending.set(id, { id, health: body.health ?? prev?.health });
    };
  }
}
