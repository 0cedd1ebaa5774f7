import type { MemberDevice } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso } from './rows.js';

interface DeviceRow { id: string; user_id: string; name: string; online: boolean; last_seen_at: Date }

const toMemberDevice = (r: DeviceRow): MemberDevice => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  online: r.online,
  lastSeenAt: iso(r.last_seen_at),
});

const COLUMNS = 'd.id, d.user_id, d.name, d.online_until IS NOT NULL AND d.online_until > now() AS online, d.last_seen_at';
/** The end of a lease of $n milliseconds from now. */
const leaseEnd = (n: number) => `now() + make_interval(secs => $${n}::double precision / 1000)`;

/** A change of presence: the device as it is now, and whether it was online before. */
export interface PresenceChange { device: MemberDevice; wasOnline: boolean }

/** Device presence (leases in devices.online_until) and the devices a grid shows. */
export class DevicesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Online for `leaseMs` more (leaseMs > 0), or offline now (null). The old
   * state is read in the same statement (the FROM sees the row before the update).
   */
  async setPresence(deviceId: string, leaseMs: number | null): Promise<PresenceChange | null> {
    const until = leaseMs === null ? 'NULL' : leaseEnd(2);
    const [r] = await this.db.query<DeviceRow & { was_online: boolean }>(
      `UPDATE devices d SET online_until = ${until}, last_seen_at = now()
         FROM (SELECT online_until IS NOT NULL AND online_until > now() AS was_online FROM devices WHERE id = $1) old
        WHERE d.id = $1
        RETURNING ${COLUMNS}, old.was_online`,
      leaseMs === null ? [deviceId] : [deviceId, leaseMs],
    );
    return r ? { device: toMemberDevice(r), wasOnline: r.was_online } : null;
  }

  /**
   * Renews the leases of the devices connected here. Returns the ones that
   * were offline before (another coordinator ended their lease meanwhile).
   */
  async renew(deviceIds: string[], leaseMs: number): Promise<MemberDevice[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.db.query<DeviceRow & { was_online: boolean }>(
      `UPDATE devices d SET online_until = ${leaseEnd(2)}
         FROM (SELECT id, online_until IS NOT NULL AND online_until > now() AS was_online FROM devices
                WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)) old
        WHERE d.id = old.id
        RETURNING ${COLUMNS}, old.was_online`,
      [JSON.stringify(deviceIds), leaseMs],
    );
    return rows.filter((r) => !r.was_online).map(toMemberDevice);
  }

  /** Ends the leases that ran out (their coordinator stopped renewing them), except these devices'. */
  async expireLeases(exceptIds: string[]): Promise<MemberDevice[]> {
    const rows = await this.db.query<DeviceRow>(
      `UPDATE devices d SET online_until = NULL
        WHERE online_until IS NOT NULL AND online_until <= now()
          AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)
        RETURNING ${COLUMNS}`,
      [JSON.stringify(exceptIds)],
    );
    return rows.map(toMemberDevice);
  }

  /**
   * The devices a grid shows: those of its members (or of one member) that
   * are logged in (hold a live token) or online, by user then name.
   */
  async listForGrid(gridId: string, userId?: string): Promise<MemberDevice[]> {
    const rows = await this.db.query<DeviceRow>(
      `SELECT ${COLUMNS}
         FROM devices d JOIN grid_members m ON m.user_id = d.user_id AND m.grid_id = $1
        WHERE ($2::uuid IS NULL OR d.user_id = $2::uuid)
          AND ((d.online_until IS NOT NULL AND d.online_until > now())
               OR EXISTS (SELECT 1 FROM tokens t WHERE t.device_id = d.id AND t.revoked_at IS NULL))
        ORDER BY d.user_id, d.name, d.id`,
      [gridId, userId ?? null],
    );
    return rows.map(toMemberDevice);
  }

  /** The grids a user is a member of: where their devices' presence is published. */
  async gridsOfUser(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ grid_id: string }>('SELECT grid_id FROM grid_members WHERE user_id = $1', [userId]);
    return rows.map((r) => r.grid_id);
  }
}
