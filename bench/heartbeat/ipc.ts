import type { Patch } from './ablations.js';
import type { Design, Engine } from './options.js';

/** What the parent tells a server child to be (JSON in the BENCH_SERVER environment variable). */
export interface ServerSpec {
  design: Design;
  engine: Engine;
  /** PGlite data directory (engine pglite). */
  dataDir?: string;
  /** PostgreSQL database URL (engine postgres). */
  databaseUrl?: string;
  /** VACUUM ANALYZE before listening, so every design starts from the same table state. */
  vacuum: boolean;
  /** Experiments on the coordinator (design ours only; see ablations.ts). */
  patches?: Patch[];
}

export interface Usage {
  /** process.cpuUsage(): microseconds. */
  userUs: number;
  systemUs: number;
  /** performance.eventLoopUtilization(): milliseconds. */
  idleMs: number;
  activeMs: number;
}

export type ToServer =
  | { type: 'query'; id: number; sql: string; params: unknown[] }
  | { type: 'usage'; id: number }
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; path: string }
  | { type: 'stop' };

export type FromServer =
  | { type: 'ready'; url: string }
  | { type: 'reply'; id: number; rows?: unknown[]; usage?: Usage; error?: string }
  | { type: 'fatal'; error: string };
