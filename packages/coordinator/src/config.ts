import envPaths from 'env-paths';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** Everything the coordinator is told at start, parsed once and frozen. */
export interface CoordinatorConfig {
  readonly host: string;
  readonly port: number;
  /** Where the embedded database lives (ignored when databaseUrl is set). `memory://` keeps it in memory. */
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly heartbeatIntervalMs: number;
  readonly staleAfterMs: number;
  /** How often expired processes are looked for; bounds how late an offline mark can be. */
  readonly sweepIntervalMs: number;
  /** How often coalesced heartbeats are written; bounds how long one stays only in memory. */
  readonly flushIntervalMs: number;
  readonly wsPingIntervalMs: number;
  /** Tunnel credit per stream and direction: the most one stream can have in flight anywhere. */
  readonly tunnelWindowBytes: number;
  /** A tunnel stream with no traffic this long is reset. */
  readonly tunnelIdleTimeoutMs: number;
  /** Streams one agent link may be an end of at once. */
  readonly tunnelMaxStreams: number;
  /** Signup, login and join attempts per client address per minute. */
  readonly authRateLimitPerMinute: number;
  readonly bodyLimitBytes: number;
  /** How long a token lookup is trusted without asking the database (a logout here evicts at once). */
  readonly tokenCacheMs: number;
  readonly logLevel: string;
  /** Directory of the built web app served at /: undefined = packages/web/dist when built; null = serve none (GRID_WEB_ROOT=off). */
  readonly webRoot: string | null | undefined;
  /** How other coordinators of the same PostgreSQL reach this one (peer links); undefined: from the listening address. */
  readonly clusterUrl: string | undefined;
  /**
   * Whose X-Forwarded-For to believe (Fastify's `trustProxy`): nobody (false), every peer (true), or the
   * peers at these addresses / CIDR ranges. Decides the client address the auth rate limit counts by.
   */
  readonly trustProxy: boolean | readonly string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Command-line flags, as `grid serve` hands them over (already split by commander). */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

function webRoot(raw: string | undefined): string | null | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  return v === 'off' ? null : v;
}

function clusterUrl(raw: string | undefined): string | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`GRID_CLUSTER_URL must be a URL such as http://10.0.0.5:8080 (got '${raw}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`GRID_CLUSTER_URL must start with http:// or https:// (got '${raw}')`);
  return url.origin;
}

/** The named ranges Fastify's trustProxy (proxy-addr) understands besides addresses and CIDRs. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits >= 1 && bits <= (family === 4 ? 32 : 128);
}

function trustProxy(raw: string | undefined): boolean | readonly string[] {
  const v = raw?.trim() ?? '';
  if (v === '' || v.toLowerCase() === 'false') return false;
  if (v.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(v)) {
    // Fastify ignores a hop count: it cannot tell the proxy from a client that sends its own X-Forwarded-For.
    throw new ConfigError(`GRID_TRUST_PROXY cannot be a hop count (got '${raw}'): list the proxies' addresses instead, e.g. 127.0.0.1 or 10.0.0.0/8`);
  }
  const entries = v.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isProxyAddress(e));
  if (bad !== undefined) {
    throw new ConfigError(
      `GRID_TRUST_PROXY must be true, false, or the proxies' IP addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1,10.0.0.0/8 (got '${bad}')`,
    );
  }
  return Object.freeze(entries);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Flags override the environment; an invalid value throws one ConfigError naming it. */
export function loadConfig(env: Env = process.env, flags: ConfigFlags = {}): CoordinatorConfig {
  const port = integer(flags.port !== undefined ? '--port' : 'PORT', flags.port ?? env.PORT, 8080, 0, 65535);
  const host = (flags.host ?? env.HOST ?? '0.0.0.0').trim();
  if (!host) throw new ConfigError('HOST must not be empty');

  const heartbeatIntervalMs = integer('GRID_HEARTBEAT_INTERVAL_MS', env.GRID_HEARTBEAT_INTERVAL_MS, 30_000, 50, 3_600_000);
  const staleAfterMs = integer('GRID_STALE_AFTER_MS', env.GRID_STALE_AFTER_MS, 60_000, 100, 86_400_000);
  if (staleAfterMs <= heartbeatIntervalMs) {
    throw new ConfigError(
      `GRID_STALE_AFTER_MS (${staleAfterMs}) must be greater than GRID_HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs})`,
    );
  }
  const sweepDefault = Math.max(20, Math.min(500, Math.floor(staleAfterMs / 4)));
  const sweepIntervalMs = integer('GRID_SWEEP_INTERVAL_MS', env.GRID_SWEEP_INTERVAL_MS, sweepDefault, 10, 1000);
  const flushIntervalMs = integer('GRID_FLUSH_INTERVAL_MS', env.GRID_FLUSH_INTERVAL_MS, 250, 10, 1000);

  const databaseUrl = (flags.databaseUrl ?? env.DATABASE_URL)?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got '${databaseUrl}')`);
  }
  const dataDir = (flags.dataDir ?? env.GRID_DATA_DIR)?.trim() || join(envPaths('gridshare', { suffix: '' }).data, 'coordinator');

  const logLevel = (env.LOG_LEVEL ?? 'info').trim();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${logLevel}')`);

  return Object.freeze({
    host,
    port,
    dataDir,
    databaseUrl,
    heartbeatIntervalMs,
    staleAfterMs,
    sweepIntervalMs,
    flushIntervalMs,
    wsPingIntervalMs: integer('GRID_WS_PING_INTERVAL_MS', env.GRID_WS_PING_INTERVAL_MS, 25_000, 100, 600_000),
    tunnelWindowBytes: integer('GRID_TUNNEL_WINDOW_BYTES', env.GRID_TUNNEL_WINDOW_BYTES, 256 * 1024, 64 * 1024, 16 * 1024 * 1024),
    tunnelIdleTimeoutMs: integer('GRID_TUNNEL_IDLE_TIMEOUT_MS', env.GRID_TUNNEL_IDLE_TIMEOUT_MS, 30 * 60_000, 100, 7 * 86_400_000),
    tunnelMaxStreams: integer('GRID_TUNNEL_MAX_STREAMS', env.GRID_TUNNEL_MAX_STREAMS, 256, 1, 65_536),
    authRateLimitPerMinute: integer('GRID_AUTH_RATE_LIMIT', env.GRID_AUTH_RATE_LIMIT, 20, 1, 1_000_000),
    tokenCacheMs: integer('GRID_TOKEN_CACHE_MS', env.GRID_TOKEN_CACHE_MS, 10_000, 0, 600_000),
    bodyLimitBytes: integer('GRID_BODY_LIMIT_BYTES', env.GRID_BODY_LIMIT_BYTES, 64 * 1024, 1024, 16 * 1024 * 1024),
    logLevel,
    webRoot: webRoot(env.GRID_WEB_ROOT),
    clusterUrl: clusterUrl(env.GRID_CLUSTER_URL),
    trustProxy: trustProxy(env.GRID_TRUST_PROXY),
  });
}
