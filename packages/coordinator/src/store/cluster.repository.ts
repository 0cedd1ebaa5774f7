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

  async linkUp(deviceId: string, coordinatorId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO agent_links (device_id, coordinator_id) VALUES ($1, $2)
       ON CONFLICT (device_id) DO UPDATE SET coordinator_id = $2, connected_at = now()`,
      [deviceId, coordinatorId],
    );
  }

  /** Says again that these devices' links are here (heals a row a racing write left pointing elsewhere). */
  async claimLinks(deviceIds: string[], coordinatorId: string): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.db.query(
      `INSERT INTO agent_links (device_id, coordinator_id)
         SELECT id, $2 FROM (SELECT jsonb_array_elements_text($1::jsonb)::uuid AS id) d
            WHERE EXISTS (SELECT 1 FROM devices WHERE devices.id = d.id)
       ON CONFLICT (device_id) DO UPDATE SET coordinator_id = $2, connected_at = now()
         WHERE agent_links.coordinator_id <> $2`,
      [JSON.stringify(deviceIds), coordinatorId],
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
