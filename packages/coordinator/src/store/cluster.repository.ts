import type { Queryable } from './database.js';

export interface CoordinatorRecord {
  id: string;
  url: string;
  secret: string;
}

/** Coordinators that share this database, and which one holds each agent's link. */
export class ClusterRepository {
  constructor(private readonly db: Queryable) {}

  async register(c: CoordinatorRecord): Promise<void> {
    await this.db.query('INSERT INTO coordinators (id, url, secret) VALUES ($1, $2, $3)', [c.id, c.url, c.secret]);
  }

  async unregister(id: string): Promise<void> {
    await this.db.query('DELETE FROM agent_links WHERE coordinator_id = $1', [id]);
    await this.db.query('DELETE FROM coordinators WHERE id = $1', [id]);
  }

  /** Records that a device's link is here now; gives back when, by the database clock (as text: full precision). */
  async linkUp(deviceId: string, coordinatorId: string): Promise<string> {
    const [r] = await this.db.query<{ at: string }>(
      `INSERT INTO agent_links (device_id, coordinator_id) VALUES ($1, $2)
       ON CONFLICT (device_id) DO UPDATE SET coordinator_id = $2, connected_at = now()
       RETURNING connected_at::text AS at`,
      [deviceId, coordinatorId],
    );
    return r!.at;
  }

  /**
   * Says again that these devices' links are here (heals a row a racing write
   * left pointing elsewhere, or removed) — but never over a newer link: a claim
   * is read before it is written, and by then the device may have linked to
   * another coordinator. `at`: when our link came up (null: not known, now).
   */
  async claimLinks(links: Array<{ id: string; at: string | null }>, coordinatorId: string): Promise<void> {
    if (links.length === 0) return;
    await this.db.query(
      `INSERT INTO agent_links (device_id, coordinator_id, connected_at)
         SELECT d.id, $2, COALESCE(d.at, now()) FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, at timestamptz)
            WHERE EXISTS (SELECT 1 FROM devices WHERE devices.id = d.id)
       ON CONFLICT (device_id) DO UPDATE SET coordinator_id = $2, connected_at = EXCLUDED.connected_at
         WHERE agent_links.coordinator_id <> $2 AND agent_links.connected_at < EXCLUDED.connected_at`,
      [JSON.stringify(links), coordinatorId],
    );
  }

  /** Only if it is still ours: a newer link of the device may have gone to another coordinator. */
  async linkDown(deviceId: string, coordinatorId: string): Promise<void> {
    await this.db.query('DELETE FROM agent_links WHERE device_id = $1 AND coordinator_id = $2', [deviceId, coordinatorId]);
  }

  /** The coordinator holding a device's link, if any holds it. */
  async coordinatorOf(deviceId: string): Promise<CoordinatorRecord | null> {
    const [r] = await this.db.query<CoordinatorRecord>(
      'SELECT c.id, c.url, c.secret FROM agent_links l JOIN coordinators c ON c.id = l.coordinator_id WHERE l.device_id = $1',
      [deviceId],
    );
    return r ?? null;
  }
}
