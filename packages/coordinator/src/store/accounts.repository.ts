import type { Device, User } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso } from './rows.js';

interface UserRow { id: string; username: string; created_at: Date; password_hash: string }
interface DeviceRow { id: string; name: string; created_at: Date; last_seen_at: Date }
interface PrincipalRow extends DeviceRow { user_id: string; username: string; user_created_at: Date }

export interface Principal {
  user: User;
  device: Device;
}

const toUser = (r: { id: string; username: string; created_at: Date }): User => ({
  id: r.id,
  username: r.username,
  createdAt: iso(r.created_at),
});
const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  name: r.name,
  createdAt: iso(r.created_at),
  lastSeenAt: iso(r.last_seen_at),
});

/** Users, devices and tokens (by hash). */
export class AccountsRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a user; null when the name (case-insensitively) is taken. */
  async insertUser(id: string, username: string, passwordHash: string): Promise<User | null> {
    const rows = await this.db.query<UserRow>(
      `INSERT INTO users (id, username, username_key, password_hash) VALUES ($1, $2, lower($2), $3)
       ON CONFLICT (username_key) DO NOTHING RETURNING id, username, created_at, password_hash`,
      [id, username, passwordHash],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findUserByName(username: string): Promise<(User & { passwordHash: string }) | null> {
    const [r] = await this.db.query<UserRow>(
      'SELECT id, username, created_at, password_hash FROM users WHERE username_key = lower($1)',
      [username],
    );
    return r ? { ...toUser(r), passwordHash: r.password_hash } : null;
  }

  async insertDeviceWithToken(deviceId: string, userId: string, name: string, tokenHash: string): Promise<Device> {
    const [d] = await this.db.query<DeviceRow>(
      `INSERT INTO devices (id, user_id, name) VALUES ($1, $2, $3)
       RETURNING id, name, created_at, last_seen_at`,
      [deviceId, userId, name],
    );
    await this.db.query('INSERT INTO tokens (hash, device_id) VALUES ($1, $2)', [tokenHash, deviceId]);
    return toDevice(d!);
  }

  /** The user and device of a live (unrevoked) token. */
  async findPrincipalByTokenHash(hash: string): Promise<Principal | null> {
    const [r] = await this.db.query<PrincipalRow>(
      `SELECT d.id, d.name, d.created_at, d.last_seen_at, u.id AS user_id, u.username, u.created_at AS user_created_at
         FROM tokens t JOIN devices d ON d.id = t.device_id JOIN users u ON u.id = d.user_id
        WHERE t.hash = $1 AND t.revoked_at IS NULL`,
      [hash],
    );
    if (!r) return null;
    return { user: toUser({ id: r.user_id, username: r.username, created_at: r.user_created_at }), device: toDevice(r) };
  }

  async revokeToken(hash: string): Promise<void> {
    await this.db.query('UPDATE tokens SET revoked_at = now() WHERE hash = $1 AND revoked_at IS NULL', [hash]);
  }

  /**
   * A user's logged-in devices (a live token each), newest first, with their
   * presence: connected to a coordinator, or hosting a process that is online
   * (its heartbeats arrive), the same rule the members page shows.
   */
  async listLiveDevices(userId: string): Promise<Array<Device & { online: boolean }>> {
    const rows = await this.db.query<{ id: string; name: string; created_at: Date; last_seen_at: Date; online: boolean }>(
      `SELECT d.id, d.name, d.created_at, d.last_seen_at,
              (d.online_until IS NOT NULL AND d.online_until > now())
                OR EXISTS (SELECT 1 FROM grid_processes p WHERE p.host_device_id = d.id AND p.status = 'online') AS online
         FROM devices d
        WHERE d.user_id = $1 AND EXISTS (SELECT 1 FROM tokens t WHERE t.device_id = d.id AND t.revoked_at IS NULL)
        ORDER BY d.created_at DESC, d.id`,
      [userId],
    );
    return rows.map((r) => ({ ...toDevice(r), online: r.online }));
  }

  /** Revokes every live token of a device of this user; returns their hashes (none: no such live device of theirs). */
  async revokeDeviceTokens(deviceId: string, userId: string): Promise<string[]> {
    const rows = await this.db.query<{ hash: string }>(
      `UPDATE tokens t SET revoked_at = now()
         FROM devices d
        WHERE t.device_id = d.id AND d.id = $1 AND d.user_id = $2 AND t.revoked_at IS NULL
        RETURNING t.hash`,
      [deviceId, userId],
    );
    return rows.map((r) => r.hash);
  }

  async touchDevice(deviceId: string): Promise<void> {
    await this.db.query('UPDATE devices SET last_seen_at = now() WHERE id = $1', [deviceId]);
  }
}
