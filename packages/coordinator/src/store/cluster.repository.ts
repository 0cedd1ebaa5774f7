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
