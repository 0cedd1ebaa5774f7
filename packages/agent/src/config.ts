import { agentPaths, type AgentPaths } from './paths.js';

/** The agent's settings, parsed once at start. Intervals are configurable so tests run in seconds. */
export interface AgentConfig {
  readonly paths: AgentPaths;
  /** SIGTERM → SIGKILL grace when stopping a process. */
  readonly stopTimeoutMs: number;
  readonly restartBaseMs: number;
  readonly restartMaxMs: number;
  /** A run this long resets the crash counter and the backoff. */
  readonly stableAfterMs: number;
  /** Fast crashes in a row before a process is marked errored. */
  readonly maxFastCrashes: number;
  /** How often an adopted or shared process is checked for life. */
  readonly pollMs: number;
  /** Process output logs rotate at this size (one old generation is kept). */
  readonly logMaxBytes: number;
  readonly logLevel: string;
  /** Any request to the coordinator gives up after this long (heartbeats retry at once): a hung one must not let a process go offline. */
  readonly requestTimeoutMs: number;
  /**
   * The environment the processes it starts get (with their own `--env` on
   * top): the agent's, without its secrets — a password given to `grid login`
   * through GRID_PASSWORD must not reach a game server's plugins.
   */
  readonly childEnv: Readonly<Record<string, string>>;
}

/** Variables only the CLI may read: never passed on to the agent it starts, nor to the processes the agent runs. */
export const SECRET_ENV: readonly string[] = ['GRID_PASSWORD'];

/** A copy of an environment without SECRET_ENV (and without unset entries). */
export function withoutSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !SECRET_ENV.includes(k)) out[k] = v;
  return out;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new AgentConfigError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
  return n;
}

export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  return Object.freeze({
    paths: agentPaths(env),
    stopTimeoutMs: int(env, 'GRID_STOP_TIMEOUT_MS', 10_000, 0, 600_000),
    restartBaseMs: int(env, 'GRID_RESTART_BASE_MS', 1_000, 10, 600_000),
    restartMaxMs: int(env, 'GRID_RESTART_MAX_MS', 30_000, 10, 3_600_000),
    stableAfterMs: int(env, 'GRID_STABLE_AFTER_MS', 30_000, 10, 86_400_000),
    maxFastCrashes: int(env, 'GRID_MAX_FAST_CRASHES', 5, 1, 1000),
    pollMs: int(env, 'GRID_POLL_MS', 500, 10, 60_000),
    logMaxBytes: int(env, 'GRID_LOG_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 ** 3),
    logLevel: logLevel(env.LOG_LEVEL),
    requestTimeoutMs: int(env, 'GRID_REQUEST_TIMEOUT_MS', 15_000, 100, 600_000),
    childEnv: Object.freeze(withoutSecrets(env)),
  });
}

function logLevel(raw: string | undefined): string {
  const level = raw?.trim() || 'info';
  if (!LOG_LEVELS.includes(level)) throw new AgentConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${raw}')`);
  return level;
}
