import { CLOSE_CODES, type Member, type Role } from '@gridshare/protocol';
import type { Logger } from 'pino';
import { AppError, gridNotFound } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Database } from '../store/database.js';
import { GridsRepository } from '../store/grids.repository.js';
import type { AuthContext } from './auth.service.js';
import { atLeast } from './grid-access.js';
import type { ProcessService } from './process.service.js';
import type { TunnelService } from './tunnel.service.js';

const memberNotFound = () => new AppError('member_not_found', 'that user is not a member of this grid');

export class MemberService {
  private readonly grids: GridsRepository;
  constructor(
    private readonly db: Database,
    private readonly processes: ProcessService,
    private readonly tunnels: TunnelService,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    this.grids = new GridsRepository(db);
  }

  /**
   * Leave (yourself) or remove (owner/admin; an admin removes members only).
   * What the departing member hosts there stops, their tunnel streams into it
   * are reset, and their sockets close.
   * The checks and the change happen in one transaction on locked rows.
   */
  async remove(ctx: AuthContext, gridId: string, userId: string): Promise<void> {
    const self = userId === ctx.user.id;
    const { target, deleteGrid } = await this.db.transaction(async (tx) => {
      const grids = new GridsRepository(tx);
      const locked = await grids.lockMembers(gridId, [ctx.user.id, userId]);
      const caller = locked.get(ctx.user.id);
      if (!caller) throw gridNotFound();
      const target = locked.get(userId);
      if (!self) {
        if (!atLeast(caller.role, 'admin')) throw new AppError('forbidden', 'only a grid owner or admin may remove members');
        if (!target) throw memberNotFound();
        if (caller.role === 'admin' && target.role !== 'member') throw new AppError('forbidden', 'an admin may remove members only; ask the owner');
      }
      if (target!.role === 'owner') {
        // Counted and deleted under the grid's lock: a join in flight either lands first (and is counted) or finds no grid.
        await grids.lockGrid(gridId, 'update');
        if ((await grids.countMembers(gridId)) > 1) {
          throw new AppError('owner_must_transfer', 'hand ownership to another member before leaving this grid');
        }
        await grids.deleteGrid(gridId);
        return { target: target!, deleteGrid: true };
      }
      await grids.deleteMember(gridId, userId);
      return { target: target!, deleteGrid: false };
    });
    // Their streams into the grid end first (before any await): access is gone the moment the removal commits.
    this.tunnels.closeForMember(gridId, userId);
    await this.processes.stopAllOfUser(gridId, userId, self ? 'member_left' : 'member_removed');
    if (deleteGrid) {
      // The last member leaving: the grid went with them (in the transaction above).
      this.bus.disconnectUser(gridId, userId, CLOSE_CODES.gridNotFound, 'grid deleted');
      this.log.info({ event: 'grid.deleted', gridId, userId }, 'last member left; grid deleted');
      return;
    }
    this.bus.disconnectUser(gridId, userId, CLOSE_CODES.notMember, self ? 'left the grid' : 'removed from the grid');
    this.bus.publish(gridId, { type: 'member', change: 'left', member: target });
    this.log.info({ event: 'member.left', gridId, userId, by: ctx.user.id }, self ? 'member left' : 'member removed');
  }

  /** Owner only. Making someone owner hands ownership over: the old owner becomes admin. */
  async setRole(ctx: AuthContext, gridId: string, userId: string, role: Role): Promise<Member> {
    const changed = await this.db.transaction(async (tx) => {
      const grids = new GridsRepository(tx);
      const locked = await grids.lockMembers(gridId, [ctx.user.id, userId]);
      const caller = locked.get(ctx.user.id);
      if (!caller) throw gridNotFound();
      if (caller.role !== 'owner') throw new AppError('forbidden', 'only the grid owner may change roles');
      if (userId === ctx.user.id) {
        throw new AppError('owner_must_transfer', 'an owner changes their own role by making another member owner');
      }
      const target = locked.get(userId);
      if (!target) throw memberNotFound();
      if (target.role === role) return [];
      await grids.setRole(gridId, userId, role);
      if (role === 'owner') await grids.setRole(gridId, ctx.user.id, 'admin');
      return role === 'owner' ? [userId, ctx.user.id] : [userId];
    });
    for (const id of changed) {
      const m = await this.grids.findMember(gridId, id);
      if (m) this.bus.publish(gridId, { type: 'member', change: 'role_changed', member: m });
    }
    if (changed.length) this.log.info({ event: 'member.role_changed', gridId, userId, role }, 'member role changed');
    return (await this.grids.findMember(gridId, userId))!;
  }
}
