import {
  type CreateInviteRequest,
  type Grid,
  INVITE_ALPHABET,
  type Invite,
  formatInviteCode,
  normalizeInviteCode,
} from '@gridshare/protocol';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Database } from '../store/database.js';
import { GridsRepository } from '../store/grids.repository.js';
import { type InviteRecord, InvitesRepository } from '../store/invites.repository.js';
import type { PresenceService } from './presence.service.js';
import type { AuthContext } from './auth.service.js';
import type { GridAccess } from './grid-access.js';

/** 10 symbols of 31: about 49.5 bits, read aloud as XXXXX-XXXXX; joins are rate limited. */
function newCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)];
  return code;
}

const toInvite = ({ gridId: _g, expired: _e, ...invite }: InviteRecord): Invite => ({
  ...invite,
  code: formatInviteCode(invite.code),
});

export class InviteService {
  private readonly invites: InvitesRepository;
  constructor(
    private readonly db: Database,
    private readonly access: GridAccess,
    private readonly bus: EventBus,
    private readonly presence: PresenceService,
    private readonly log: Logger,
  ) {
    this.invites = new InvitesRepository(db);
  }

  async create(ctx: AuthContext, gridId: string, body: CreateInviteRequest): Promise<Invite> {
    await this.access.requireRole(gridId, ctx.user.id, 'admin');
    const invite = await this.invites.insert(newCode(), gridId, ctx.user.id, body.expiresInSeconds ?? null, body.maxUses ?? null);
    this.log.info({ event: 'invite.created', gridId, userId: ctx.user.id }, 'invite created');
    return toInvite(invite);
  }

  async list(ctx: AuthContext, gridId: string): Promise<Invite[]> {
    await this.access.requireRole(gridId, ctx.user.id, 'admin');
    return (await this.invites.listForGrid(gridId)).map(toInvite);
  }

  async revoke(ctx: AuthContext, gridId: string, code: string): Promise<void> {
    await this.access.requireRole(gridId, ctx.user.id, 'admin');
    const invite = await this.invites.find(gridId, normalizeInviteCode(code));
    if (!invite) throw new AppError('invite_not_found', 'no such invite in this grid');
    await this.invites.revoke(invite.code);
  }

  /** Joining a grid you are already in succeeds without using the invite up. */
  async join(ctx: AuthContext, rawCode: string): Promise<Grid> {
    const code = normalizeInviteCode(rawCode);
    const { grid, joined } = await this.db.transaction(async (tx) => {
      const invites = new InvitesRepository(tx);
      const grids = new GridsRepository(tx);
      // The grid first (as the last member leaving locks it to delete it): a join waits for that delete and then
      // finds nothing, or that leave waits for this join and then finds a second member.
      const gridId = await invites.gridOf(code);
      const invite = gridId && (await grids.lockGrid(gridId, 'key share')) ? await invites.findForUpdate(code) : null;
      if (!invite) throw new AppError('invite_not_found', 'that invite code is not valid; check it and try again');
      const grid = (await grids.findGrid(invite.gridId))!;
      if (await grids.findMember(invite.gridId, ctx.user.id)) return { grid, joined: false };
      if (invite.revoked) throw new AppError('invite_revoked', 'that invite was revoked; ask for a new one');
      if (invite.expired) throw new AppError('invite_expired', 'that invite has expired; ask for a new one');
      if (invite.maxUses !== null && invite.uses >= invite.maxUses) {
        throw new AppError('invite_used_up', 'that invite has been used up; ask for a new one');
      }
      // Two joins of one user racing: only the one that adds the member uses the invite.
      if (!(await grids.insertMember(invite.gridId, ctx.user.id, 'member'))) return { grid, joined: false };
      await invites.incrementUses(code);
      return { grid, joined: true };
    });
    if (joined) {
      const member = await new GridsRepository(this.db).findMember(grid.id, ctx.user.id);
      this.log.info({ event: 'member.joined', gridId: grid.id, userId: ctx.user.id }, 'member joined');
      if (member) this.bus.publish(grid.id, { type: 'member', change: 'joined', member });
      await this.presence.announce(grid.id, ctx.user.id);
    }
    return grid;
  }
}
