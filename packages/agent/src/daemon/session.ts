import { Device, GridClient, User } from '@gridshare/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFile, rm } from 'node:fs/promises';
import type { AgentPaths } from '../paths.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { AgentError } from '../errors.js';

const SessionFile = Type.Object(
  { server: Type.String(), user: User, device: Device },
  { additionalProperties: false },
);
export type SessionInfo = Static<typeof SessionFile>;

/** Who this agent is logged in as: config.json (server, user, device) and the token file (0600). */
export class Session {
  info: SessionInfo | null = null;
  /** Why config.json could not be used (corrupt, unreadable): the message for commands that need a login. */
  problem: string | null = null;
  private token: string | null = null;
  private cached: GridClient | null = null;

  constructor(
    private readonly paths: AgentPaths,
    /** Every request to the coordinator gives up after this long (the caller retries): one that hangs must not stall a heartbeat loop. */
    private readonly requestTimeoutMs?: number,
  ) {}

  /** No config.json, or no token: logged out. A config.json that cannot be used is a `problem`, said as such. */
  async load(): Promise<void> {
    const path = this.paths.config;
    const fix = 'run `grid login --server URL` to replace it, or delete it';
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.problem = `cannot read ${path} (${code ?? (err as Error).message}); fix its permissions or ${fix}`;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.problem = `${path} is corrupt (not valid JSON); ${fix}`;
      return;
    }
    if (!Value.Check(SessionFile, json)) {
      const first = [...Value.Errors(SessionFile, json)][0];
      this.problem = `${path} is corrupt (${first?.path || '/'}: ${first?.message}); ${fix}`;
      return;
    }
    const token = await readFile(this.paths.token, 'utf8').then((t) => t.trim(), () => '');
    if (!token) return;
    this.info = json;
    this.token = token;
  }

  async save(info: SessionInfo, token: string): Promise<void> {
    await writeFileAtomic(this.paths.token, `${token}\n`, 0o600);
    await writeFileAtomic(this.paths.config, `${JSON.stringify(info, null, 2)}\n`, 0o600);
    this.info = info;
    this.token = token;
    this.problem = null;
    this.cached = null;
  }

  async clear(): Promise<void> {
    await rm(this.paths.token, { force: true });
    await rm(this.paths.config, { force: true });
    this.info = null;
    this.token = null;
    this.problem = null;
    this.cached = null;
  }

  get loggedIn(): boolean {
    return this.info !== null && this.token !== null;
  }

  /** A client for the coordinator with this device's token; null when logged out. */
  client(): GridClient | null {
    if (!this.info || !this.token) return null;
    return (this.cached ??= new GridClient({ baseUrl: this.info.server, token: this.token, timeoutMs: this.requestTimeoutMs }));
  }
}

/** `--server`: a URL's origin (http:// assumed when no scheme is given), or one line saying what is wrong. */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new AgentError('validation_failed', `--server ${raw} is not a URL (for example http://coordinator.example:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AgentError('validation_failed', `--server must be http:// or https:// (got ${raw})`);
  return url.origin;
}
