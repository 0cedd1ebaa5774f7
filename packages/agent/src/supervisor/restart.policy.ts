import type { RestartPolicy } from '@gridshare/protocol';

export interface RestartLimits {
  baseMs: number;
  maxMs: number;
  stableAfterMs: number;
  maxFastCrashes: number;
}

export interface ExitFacts {
  code: number | null;
  signal: string | null;
  /** How long this run lasted. */
  ranForMs: number;
  /** Fast crashes in a row before this exit. */
  fastCrashes: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; fastCrashes: number }
  | { restart: false; fastCrashes: number; errored: string | null };

export const failed = (e: { code: number | null; signal: string | null }) => e.signal !== null || e.code !== 0;

/**
 * Whether and when to start a process again after it exited by itself:
 * exponential backoff from baseMs, capped at maxMs, reset by a run of at least
 * stableAfterMs; after maxFastCrashes quick exits in a row it is errored.
 */
export function decideRestart(policy: RestartPolicy, exit: ExitFacts, limits: RestartLimits): RestartDecision {
  const fast = exit.ranForMs < limits.stableAfterMs;
  const fastCrashes = fast ? exit.fastCrashes + 1 : 0;
  const wanted = policy === 'always' || (policy === 'on-failure' && failed(exit));
  if (!wanted) return { restart: false, fastCrashes, errored: null };
  if (fastCrashes >= limits.maxFastCrashes) {
    return {
      restart: false,
      fastCrashes,
      errored: `exited ${fastCrashes} times in a row within ${Math.round(limits.stableAfterMs / 1000)} s of starting; not restarting (last exit: ${describeExit(exit)})`,
    };
  }
  const delayMs = Math.min(limits.maxMs, limits.baseMs * 2 ** Math.max(0, fastCrashes - 1));
  return { restart: true, delayMs, fastCrashes };
}

export function describeExit(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `killed by ${e.signal}` : `code ${e.code}`;
}
