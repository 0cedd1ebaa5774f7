import type { Invite } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso, isoOrNull } from './rows.js';

interface InviteRow {
  code: string;
  grid_id: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  revoked_at: Date | null;
  expired: boolean;
}

export interface InviteRecord extends Invite {
  gridId: string;
  /** Judged by the database clock at read time. */
  expired: boolean;
}

const COLUMNS = `code, grid_id, created_by, created_at, expires_at, max_uses, uses, revoked_at,
  (expires_at IS NOT NULL AND expires_at <= now()) AS expired`;

const toInvite = (r: InviteRow): InviteRecord => ({
  code: r.code,
  gridId: r.grid_id,
  expiresAt: isoOrNull(r.expires_at),
  maxUses: r.max_uses,
  uses: r.uses,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
  revoked: r.revoked_at !== null,
  expired: r.expired,
});

export class InvitesRepository {
  constructor(private readonly db: Queryable) {}

  async insert(
    code: string,
    gridId: string,
    createdBy: string,
    expiresInSeconds: number | null,
    maxUses: number | null,
  ): Promise<InviteRecord> {
    const [r] = await this.db.query<InviteRow>(
      `INSERT INTO grid_invites (code, grid_id, created_by, expires_at, max_uses)
       VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(secs => $4::int) END, $5)
       RETURNING ${COLUMNS}`,
      [code, gridId, createdBy, expiresInSeconds, maxUses],
    );
    return toInvite(r!);
  }

  async listForGrid(gridId: string): Promise<InviteRecord[]> {
    const rows = await this.db.query<InviteRow>(
      `SELECT ${COLUMNS} FROM grid_invites WHERE grid_id = $1 ORDER BY created_at DESC, code`,
      [gridId],
    );
    return rows.map(toInvite);
  }

  /** The grid an invite code is for (no lock): a join locks that grid first. */
  async gridOf(code: string): Promise<string | null> {
    const [r] = await this.db.query<{ grid_id: string }>('SELECT grid_id FROM grid_invites WHERE code = $1', [code]);
    return r?.grid_id ?? null;
  }

  /** Locks the row for the rest of the transaction (two joins racing for the last use). */
  async findForUpdate(code: string): Promise<InviteRecord | null> {
    const [r] = await this.db.query<InviteRow>(`SELECT ${COLUMNS} FROM grid_invites WHERE code = $1 FOR UPDATE`, [code]);
    return r ? toInvite(r) : null;
  }

  async find(gridId: string, code: string): Promise<InviteRecord | null> {
    const [r] = await this.db.query<InviteRow>(`SELECT ${COLUMNS} FROM grid_invites WHERE grid_id = $1 AND code = $2`, [
      gridId,
      code,
    ]);
    return r ? toInvite(r) : null;
  }

  async incrementUses(code: string): Promise<void> {
    await this.db.query('UPDATE grid_invites SET uses = uses + 1 WHERE code = $1', [code]);
  }

  async revoke(code: string): Promise<void> {
    await this.db.query('UPDATE grid_invites SET revoked_at = now() WHERE code = $1 AND revoked_at IS NULL', [code]);
  }
}
