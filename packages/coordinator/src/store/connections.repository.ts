import type { Connection } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso, isoOrNull } from './rows.js';

/** How many connections a listing returns, newest first. */
export const CONNECTIONS_LIMIT = 100;
/** Closed connections older than this are deleted by the sweep. */
const KEEP_CLOSED_DAYS = 30;

interface Row {
  id: string;
  process_id: string;
  grid_id: string;
  user_id: string;
  username: string;
  device_id: string;
  device_name: string;
  port: number;
  opened_at: Date;
  closed_at: Date | null;
  close_reason: string | null;
  bytes_in: number;
  bytes_out: number;
}

// bigint comes back from pg as a string; float8 is exact up to 2^53 bytes.
const SELECT = `SELECT c.id, c.process_id, c.grid_id, c.user_id, u.username, c.device_id, d.name AS device_name, c.port,
    c.opened_at, c.closed_at, c.close_reason, c.bytes_in::float8 AS bytes_in, c.bytes_out::float8 AS bytes_out
  FROM process_connections c JOIN users u ON u.id = c.user_id JOIN devices d ON d.id = c.device_id`;

const toConnection = (r: Row): Connection => ({
  id: r.id,
  processId: r.process_id,
  gridId: r.grid_id,
  userId: r.user_id,
  username: r.username,
  deviceId: r.device_id,
  deviceName: r.device_name,
  port: r.port,
  openedAt: iso(r.opened_at),
  closedAt: isoOrNull(r.closed_at),
  closeReason: r.close_reason,
  bytesIn: r.bytes_in,
  bytesOut: r.bytes_out,
});

export interface NewConnection {
  id: string;
  processId: string;
  gridId: string;
  userId: string;
  deviceId: string;
  port: number;
}

export interface ConnectionProgress {
  id: string;
  bytesIn: number;
  bytesOut: number;
}

export class ConnectionsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(c: NewConnection): Promise<void> {
    await this.db.query(
      'INSERT INTO process_connections (id, process_id, grid_id, user_id, device_id, port) VALUES ($1, $2, $3, $4, $5, $6)',
      [c.id, c.processId, c.gridId, c.userId, c.deviceId, c.port],
    );
  }

  async close(c: ConnectionProgress, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE process_connections SET closed_at = now(), close_reason = $2, bytes_in = $3, bytes_out = $4, updated_at = now()
        WHERE id = $1 AND closed_at IS NULL`,
      [c.id, reason, c.bytesIn, c.bytesOut],
    );
  }

  /** The byte counts of open streams, in one statement; also proof that their relay is alive. */
  async recordProgress(batch: ConnectionProgress[]): Promise<void> {
    if (batch.length === 0) return;
    await this.db.query(
      `UPDATE process_connections c SET bytes_in = v.bytes_in, bytes_out = v.bytes_out, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, bytes_in bigint, bytes_out bigint)
        WHERE c.id = v.id AND c.closed_at IS NULL`,
      [JSON.stringify(batch.map((b) => ({ id: b.id, bytes_in: b.bytesIn, bytes_out: b.bytesOut })))],
    );
  }

  /** Open streams whose relay has not reported for `staleMs` (it stopped or crashed) are closed as link_lost; old closed ones go. */
  async sweep(staleMs: number): Promise<number> {
    const closed = await this.db.query(
      `UPDATE process_connections SET closed_at = updated_at, close_reason = 'link_lost'
        WHERE closed_at IS NULL AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
        RETURNING id`,
      [staleMs],
    );
    await this.db.query(`DELETE FROM process_connections WHERE closed_at < now() - interval '${KEEP_CLOSED_DAYS} days'`);
    return closed.length;
  }

  async exists(id: string, processId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM process_connections WHERE id = $1 AND process_id = $2', [id, processId])).length === 1;
  }

  async list(processId: string, openOnly: boolean): Promise<Connection[]> {
    const rows = await this.db.query<Row>(
      `${SELECT} WHERE c.process_id = $1 ${openOnly ? 'AND c.closed_at IS NULL' : ''} ORDER BY c.opened_at DESC, c.id LIMIT ${CONNECTIONS_LIMIT}`,
      [processId],
    );
    return rows.map(toConnection);
  }
}
