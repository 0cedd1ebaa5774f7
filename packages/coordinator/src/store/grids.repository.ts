import type { Grid, GridSummary, Member, Role } from '@gridshare/protocol';
import type { Queryable } from './database.js';
import { iso } from './rows.js';

interface GridRow { id: string; name: string; created_at: Date; created_by: string }
interface MemberRow { user_id: string; username: string; role: Role; joined_at: Date }

const toGrid = (r: GridRow): Grid => ({ id: r.id, name: r.name, createdAt: iso(r.created_at), createdBy: r.created_by });
const toMember = (r: MemberRow): Member => ({
  userId: r.user_id,
  username: r.username,
  role: r.role,
  joinedAt: iso(r.joined_at),
});

const MEMBER_SELECT = `SELECT m.user_id, u.username, m.role, m.joined_at
  FROM grid_members m JOIN users u ON u.id = m.user_id`;

/** Grids and their members. */
export class GridsRepository {
  constructor(private readonly db: Queryable) {}

  async insertGrid(id: string, name: string, ownerId: string): Promise<Grid> {
    const [g] = await this.db.query<GridRow>(
      'INSERT INTO grids (id, name, created_by) VALUES ($1, $2, $3) RETURNING id, name, created_at, created_by',
      [id, name, ownerId],
    );
    await this.db.query("INSERT INTO grid_members (grid_id, user_id, role) VALUES ($1, $2, 'owner')", [id, ownerId]);
    return toGrid(g!);
  }

  async findGrid(id: string): Promise<Grid | null> {
    const [g] = await this.db.query<GridRow>('SELECT id, name, created_at, created_by FROM grids WHERE id = $1', [id]);
    return g ? toGrid(g) : null;
  }

  /**
   * Locks the grid's row for the rest of the transaction: 'update' to delete
   * it, 'key share' to add to it (waits while a delete is in flight, and is
   * false once the grid is gone). Taken before any other row of the grid, by
   * both, so they never wait on each other crosswise.
   */
  async lockGrid(id: string, mode: 'update' | 'key share'): Promise<boolean> {
    const rows = await this.db.query(`SELECT id FROM grids WHERE id = $1 FOR ${mode === 'update' ? 'UPDATE' : 'KEY SHARE'}`, [id]);
    return rows.length === 1;
  }

  async deleteGrid(id: string): Promise<void> {
    await this.db.query('DELETE FROM grids WHERE id = $1', [id]);
  }

  async listGridsOf(userId: string): Promise<GridSummary[]> {
    const rows = await this.db.query<GridRow & { role: Role; member_count: number }>(
      `SELECT g.id, g.name, g.created_at, g.created_by, m.role,
              (SELECT count(*)::int FROM grid_members c WHERE c.grid_id = g.id) AS member_count
         FROM grids g JOIN grid_members m ON m.grid_id = g.id
        WHERE m.user_id = $1
        ORDER BY g.created_at, g.id`,
      [userId],
    );
    return rows.map((r) => ({ ...toGrid(r), role: r.role, memberCount: r.member_count }));
  }

  async findMember(gridId: string, userId: string): Promise<Member | null> {
    const [m] = await this.db.query<MemberRow>(`${MEMBER_SELECT} WHERE m.grid_id = $1 AND m.user_id = $2`, [
      gridId,
      userId,
    ]);
    return m ? toMember(m) : null;
  }

  /**
   * Locks the membership rows of these users (in a stable order, so two
   * transactions cannot deadlock) and returns them by user id. Use inside a
   * transaction: role checks made on these rows stay true until it commits.
   */
  async lockMembers(gridId: string, userIds: string[]): Promise<Map<string, Member>> {
    const ids = [...new Set(userIds)].sort();
    const rows = await this.db.query<MemberRow>(
      `${MEMBER_SELECT} WHERE m.grid_id = $1 AND m.user_id IN (${ids.map((_, i) => `$${i + 2}`).join(', ')})
       ORDER BY m.user_id FOR UPDATE OF m`,
      [gridId, ...ids],
    );
    return new Map(rows.map((r) => [r.user_id, toMember(r)]));
  }

  async listMembers(gridId: string): Promise<Member[]> {
    const rows = await this.db.query<MemberRow>(`${MEMBER_SELECT} WHERE m.grid_id = $1 ORDER BY m.joined_at, u.username`, [
      gridId,
    ]);
    return rows.map(toMember);
  }

  async countMembers(gridId: string): Promise<number> {
    const [r] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM grid_members WHERE grid_id = $1', [
      gridId,
    ]);
    return r?.n ?? 0;
  }

  /** Adds a member; false when already one. */
  async insertMember(gridId: string, userId: string, role: Role): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO grid_members (grid_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (grid_id, user_id) DO NOTHING RETURNING user_id`,
      [gridId, userId, role],
    );
    return rows.length === 1;
  }

  async setRole(gridId: string, userId: string, role: Role): Promise<void> {
    await this.db.query('UPDATE grid_members SET role = $3 WHERE grid_id = $1 AND user_id = $2', [gridId, userId, role]);
  }

  async deleteMember(gridId: string, userId: string): Promise<void> {
    await this.db.query('DELETE FROM grid_members WHERE grid_id = $1 AND user_id = $2', [gridId, userId]);
  }
}
