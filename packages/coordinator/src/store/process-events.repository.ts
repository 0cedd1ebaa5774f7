import type { ProcessHistoryEntry, ProcessStatus } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso } from './rows.js';

/** How many state changes are kept per process. */
export const HISTORY_LIMIT = 100;

export interface NewHistoryEntry {
  processId: string;
  from: string;
  to: string;
  reason: string | null;
  exitCode: number | null;
}

interface Row { at: Date; from_state: string; to_state: ProcessStatus; reason: string | null; exit_code: number | null }

export class ProcessEventsRepository {
  constructor(private readonly db: Queryable) {}

  /** Appends entries and trims each process's history to the newest HISTORY_LIMIT. */
  async append(entries: NewHistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const json = JSON.stringify(entries.map((e) => ({ process_id: e.processId, from_state: e.from, to_state: e.to, reason: e.reason, exit_code: e.exitCode })));
    await this.db.query(
      `INSERT INTO process_events (process_id, from_state, to_state, reason, exit_code)
       SELECT process_id, from_state, to_state, reason, exit_code
         FROM jsonb_to_recordset($1::jsonb) AS v(process_id uuid, from_state text, to_state text, reason text, exit_code integer)`,
      [json],
    );
    // A separate statement: it must see the rows just inserted.
    await this.db.query(
      `DELETE FROM process_events e
        WHERE e.process_id IN (SELECT (v->>'process_id')::uuid FROM jsonb_array_elements($1::jsonb) v)
          AND e.id < (SELECT min(id) FROM (SELECT id FROM process_events k WHERE k.process_id = e.process_id ORDER BY id DESC LIMIT ${HISTORY_LIMIT}) newest)`,
      [json],
    );
  }

  /** Newest first. */
  async list(processId: string): Promise<ProcessHistoryEntry[]> {
    const rows = await this.db.query<Row>(
      `SELECT at, from_state, to_state, reason, exit_code FROM process_events WHERE process_id = $1 ORDER BY id DESC LIMIT ${HISTORY_LIMIT}`,
      [processId],
    );
    return rows.map((r) => ({ at: iso(r.at), from: r.from_state, to: r.to_state, reason: r.reason, exitCode: r.exit_code }));
  }
}
