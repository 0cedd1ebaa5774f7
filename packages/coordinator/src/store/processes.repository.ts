import type { PortSpec, Process, ProcessHealth, ProcessStatus } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso, isoOrNull } from './rows.js';

interface ProcessRow {
  id: string;
  grid_id: string;
  name: string;
  kind: string;
  command: string | null;
  ports: PortSpec[];
  metadata: Process['metadata'];
  status: ProcessStatus;
  host_user_id: string;
  host_username: string;
  host_device_id: string;
  host_device_name: string;
  last_heartbeat_at: Date;
  registered_at: Date;
  stopped_at: Date | null;
  stop_reason: string | null;
  exit_code: number | null;
  health: ProcessHealth | null;
  private: boolean;
}

/** Every read of a process joins its host's names, so an event carries the whole picture. */
const COLUMNS = `p.id, p.grid_id, p.name, p.kind, p.command, p.ports, p.metadata, p.status,
    p.host_user_id, u.username AS host_username, p.host_device_id, d.name AS host_device_name,
    p.last_heartbeat_at, p.registered_at, p.stopped_at, p.stop_reason, p.exit_code, p.health, p.private`;
const HOST_JOIN = 'JOIN users u ON u.id = p.host_user_id JOIN devices d ON d.id = p.host_device_id';
const SELECT = `SELECT ${COLUMNS} FROM grid_processes p ${HOST_JOIN}`;

/**
 * Full rows from a data-modifying statement. The rows come from its RETURNING,
 * not from a re-read: a query beside a modifying CTE sees the old snapshot.
 */
const withJoin = (modify: string, extra = '') =>
  `WITH p AS (${modify} RETURNING *${extra}) SELECT ${COLUMNS}${extra ? ', p.created' : ''} FROM p ${HOST_JOIN}`;

export const toProcess = (r: ProcessRow): Process => ({
  id: r.id,
  gridId: r.grid_id,
  name: r.name,
  kind: r.kind,
  command: r.command,
  ports: r.ports,
  metadata: r.metadata,
  status: r.status,
  hostUserId: r.host_user_id,
  hostUsername: r.host_username,
  hostDeviceId: r.host_device_id,
  hostDeviceName: r.host_device_name,
  lastHeartbeatAt: iso(r.last_heartbeat_at),
  registeredAt: iso(r.registered_at),
  stoppedAt: isoOrNull(r.stopped_at),
  stopReason: r.stop_reason,
  exitCode: r.exit_code,
  health: r.health,
  private: r.private,
});

export interface NewProcess {
  id: string;
  gridId: string;
  hostDeviceId: string;
  hostUserId: string;
  name: string;
  kind: string;
  command: string | null;
  ports: PortSpec[];
  metadata: Process['metadata'];
  private: boolean;
}

export interface PendingBeat {
  id: string;
  health: ProcessHealth | undefined;
}

export class ProcessesRepository {
  constructor(private readonly db: Queryable) {}

  async find(id: string): Promise<Process | null> {
    const [r] = await this.db.query<ProcessRow>(`${SELECT} WHERE p.id = $1`, [id]);
    return r ? toProcess(r) : null;
  }

  async list(gridId: string, status?: ProcessStatus): Promise<Process[]> {
    const rows = status
      ? await this.db.query<ProcessRow>(`${SELECT} WHERE p.grid_id = $1 AND p.status = $2 ORDER BY p.registered_at, p.id`, [
          gridId,
          status,
        ])
      : await this.db.query<ProcessRow>(`${SELECT} WHERE p.grid_id = $1 ORDER BY p.registered_at, p.id`, [gridId]);
    return rows.map(toProcess);
  }

  /**
   * Registers a new process, or brings back the same id in the same grid from
   * the same user (idempotent re-registration; a user who logged in again on
   * that PC is a new device, which takes the process over). Null when the id
   * belongs to another user or grid.
   */
  async upsert(p: NewProcess): Promise<{ process: Process; created: boolean } | null> {
    const [r] = await this.db.query<ProcessRow & { created: boolean }>(
      withJoin(
        `INSERT INTO grid_processes (id, grid_id, host_device_id, host_user_id, name, kind, command, ports, metadata, private, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, 'online')
         ON CONFLICT (id) DO UPDATE SET
           host_device_id = EXCLUDED.host_device_id, name = EXCLUDED.name, kind = EXCLUDED.kind, command = EXCLUDED.command,
           ports = EXCLUDED.ports, metadata = EXCLUDED.metadata, private = EXCLUDED.private, status = 'online',
           last_heartbeat_at = now(), stopped_at = NULL, stop_reason = NULL, exit_code = NULL,
           registered_at = CASE WHEN grid_processes.status = 'stopped' THEN now() ELSE grid_processes.registered_at END
         WHERE grid_processes.host_user_id = EXCLUDED.host_user_id AND grid_processes.grid_id = EXCLUDED.grid_id`,
        ', (xmax = 0) AS created',
      ),
      [p.id, p.gridId, p.hostDeviceId, p.hostUserId, p.name, p.kind, p.command, JSON.stringify(p.ports), JSON.stringify(p.metadata), p.private],
    );
    return r ? { process: toProcess(r), created: r.created } : null;
  }

  /** Offline → online on a heartbeat; null when it was not offline. */
  async reviveOffline(id: string, health: ProcessHealth | undefined): Promise<Process | null> {
    const [r] = await this.db.query<ProcessRow>(
      withJoin(`UPDATE grid_processes SET status = 'online', last_heartbeat_at = now(),
         health = COALESCE($2::jsonb, health) WHERE id = $1 AND status = 'offline'`),
      [id, health === undefined ? null : JSON.stringify(health)],
    );
    return r ? toProcess(r) : null;
  }

  /**
   * Writes many coalesced heartbeats in one statement, stamped with the
   * database clock. Returns the ids that were still online (the rest were
   * stopped or expired meanwhile, perhaps by another coordinator).
   */
  async recordHeartbeats(beats: PendingBeat[]): Promise<Set<string>> {
    if (beats.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(
      `UPDATE grid_processes p SET last_heartbeat_at = now(), health = COALESCE(v.health, p.health)
         FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, health jsonb)
        WHERE p.id = v.id AND p.status = 'online'
        RETURNING p.id`,
      [JSON.stringify(beats.map((b) => ({ id: b.id, health: b.health ?? null })))],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** One heartbeat, one UPDATE: the fallback when a batch fails on bad data (and the benchmark's naive design). */
  async recordHeartbeat(id: string, health: ProcessHealth | undefined): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE grid_processes SET last_heartbeat_at = now(), health = COALESCE($2::jsonb, health)
        WHERE id = $1 AND status = 'online' RETURNING id`,
      [id, health === undefined ? null : JSON.stringify(health)],
    );
    return rows.length === 1;
  }

  /** Marks online processes whose deadline has passed offline, by the database clock (except those with a heartbeat in hand). */
  async expireStale(staleAfterMs: number, exceptIds: string[] = []): Promise<Process[]> {
    const rows = await this.db.query<ProcessRow>(
      withJoin(`UPDATE grid_processes SET status = 'offline'
         WHERE status = 'online' AND last_heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)
           AND id NOT IN (SELECT jsonb_array_elements_text($2::jsonb)::uuid)`),
      [staleAfterMs, JSON.stringify(exceptIds)],
    );
    return rows.map(toProcess);
  }

  async stop(id: string, reason: string, exitCode: number | null): Promise<Process | null> {
    const [r] = await this.db.query<ProcessRow>(
      withJoin(`UPDATE grid_processes SET status = 'stopped', stopped_at = now(), stop_reason = $2, exit_code = $3
         WHERE id = $1 AND status <> 'stopped'`),
      [id, reason, exitCode],
    );
    return r ? toProcess(r) : null;
  }

  /** How many processes (online or offline, other than `exceptId`) a user hosts in a grid. */
  async countLiveOf(gridId: string, userId: string, exceptId: string): Promise<number> {
    const [r] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM grid_processes WHERE grid_id = $1 AND host_user_id = $2 AND status <> 'stopped' AND id <> $3`,
      [gridId, userId, exceptId],
    );
    return r?.n ?? 0;
  }

  /** Keeps the newest `keep` stopped processes of a grid (with their history and connections); deletes older ones. */
  async pruneStopped(gridId: string, keep: number): Promise<number> {
    const rows = await this.db.query(
      `DELETE FROM grid_processes WHERE grid_id = $1 AND status = 'stopped' AND id NOT IN (
         SELECT id FROM grid_processes WHERE grid_id = $1 AND status = 'stopped' ORDER BY stopped_at DESC, id LIMIT $2)
       RETURNING id`,
      [gridId, keep],
    );
    return rows.length;
  }

  /** Stops every live process a user hosts in a grid (they left or were removed). */
  async stopAllOfUser(gridId: string, userId: string, reason: string): Promise<Process[]> {
    const rows = await this.db.query<ProcessRow>(
      withJoin(`UPDATE grid_processes SET status = 'stopped', stopped_at = now(), stop_reason = $3
         WHERE grid_id = $1 AND host_user_id = $2 AND status <> 'stopped'`),
      [gridId, userId, reason],
    );
    return rows.map(toProcess);
  }

  async countByStatus(): Promise<Record<ProcessStatus, number>> {
    const rows = await this.db.query<{ status: ProcessStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM grid_processes GROUP BY status',
    );
    const out: Record<ProcessStatus, number> = { online: 0, offline: 0, stopped: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
