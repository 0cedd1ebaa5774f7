import type { Member, Role } from '@gridshare/protocol';
import { AppError, gridNotFound } from '../errors.js';
import { GridsRepository } from '../store/grids.repository.js';
import type { Queryable } from '../store/database.js';

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Who may see and touch a grid. A non-member learns nothing: the grid is "not found". */
export class GridAccess {
  private readonly grids: GridsRepository;
  constructor(db: Queryable) {
    this.grids = new GridsRepository(db);
  }

  async requireMember(gridId: string, userId: string): Promise<Member> {
    const m = await this.grids.findMember(gridId, userId);
    if (!m) throw gridNotFound();
    return m;
  }

  async requireRole(gridId: string, userId: string, least: Role): Promise<Member> {
    const m = await this.requireMember(gridId, userId);
    if (!atLeast(m.role, least)) throw new AppError('forbidden', `only a grid ${least === 'owner' ? 'owner' : 'owner or admin'} may do that`);
    return m;
  }
}

export function atLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}
