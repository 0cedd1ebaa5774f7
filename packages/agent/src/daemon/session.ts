import { Device, GridClient, User } from '@gridshare/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFile, rm } from 'node:fs/promises';
import type { AgentPaths } from '../paths.js';
import { writeFileAtomic } from '../state/atomic-file.js';

const SessionFile = Type.Object(
  { server: Type.String(), user: User, device: Device },
  { additionalProperties: false },
);
export type SessionInfo = Static<typeof SessionFile>;

/** Who this agent is logged in as: config.json (server, user, device) and the token file (0600). */
export class Session {
  info: SessionInfo | null = null;
  private token: string | null = null;
  private cached: GridClient | null = null;

  constructor(private readonly paths: AgentPaths) {}

  async load(): Promise<void> {
    try {
      const json: unknown = JSON.parse(await readFile(this.paths.config, 'utf8'));
      const token = (await readFile(this.paths.token, 'utf8')).trim();
      if (Value.Check(SessionFile, json) && token) {
        this.info = json;
        this.token = token;
      }
    } catch {
      // Not logged in (or an unreadable config): the user logs in again.
    }
  }

  async save(info: SessionInfo, token: string): Promise<void> {
    await writeFileAtomic(this.paths.token, `${token}\n`, 0o600);
    await writeFileAtomic(this.paths.config, `${JSON.stringify(info, null, 2)}\n`, 0o600);
    this.info = info;
    this.token = token;
    this.cached = null;
  }

  async clear(): Promise<void> {
    await rm(this.paths.token, { force: true });
    await rm(this.paths.config, { force: true });
    this.info = null;
    this.token = null;
    this.cached = null;
  }

  get loggedIn(): boolean {
    return this.info !== null && this.token !== null;
  }

  /** A client for the coordinator with this device's token; null when logged out. */
  client(): GridClient | null {
    if (!this.info || !this.token) return null;
    return (this.cached ??= new GridClient({ baseUrl: this.info.server, token: this.token }));
  }
}
