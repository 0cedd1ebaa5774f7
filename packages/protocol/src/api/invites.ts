import { Type, type Static } from '@sinclair/typebox';
import { Timestamp, Uuid } from './common.js';

/** Invite codes: 10 characters of a 31-letter alphabet without 0/O/1/I/L, shown as XXXXX-XXXXX. */
export const INVITE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const InviteCode = Type.String({
  minLength: 10,
  maxLength: 16,
  pattern: '^[2-9A-Za-z]{5}-?[2-9A-Za-z]{5}$',
  description: 'Ten letters and digits, optionally with a dash in the middle; case does not matter.',
});

export const Invite = Type.Object(
  {
    code: Type.String(),
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    maxUses: Type.Union([Type.Integer(), Type.Null()]),
    uses: Type.Integer(),
    createdAt: Timestamp,
    createdBy: Uuid,
    revoked: Type.Boolean(),
  },
  { $id: 'Invite', additionalProperties: false },
);
export type Invite = Static<typeof Invite>;

/** What an invite may ask for. Left out, an invite never expires and has no use limit. */
export const INVITE_LIMITS = { minExpiresInSeconds: 60, maxExpiresInSeconds: 30 * 24 * 3600, maxUses: 1000 } as const;

export const CreateInviteRequest = Type.Object(
  {
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: INVITE_LIMITS.minExpiresInSeconds, maximum: INVITE_LIMITS.maxExpiresInSeconds })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: INVITE_LIMITS.maxUses })),
  },
  { additionalProperties: false },
);
export type CreateInviteRequest = Static<typeof CreateInviteRequest>;

export const InviteResponse = Type.Object({ invite: Invite }, { additionalProperties: false });
export type InviteResponse = Static<typeof InviteResponse>;

export const InviteListResponse = Type.Object({ invites: Type.Array(Invite) }, { additionalProperties: false });
export type InviteListResponse = Static<typeof InviteListResponse>;

export const InviteParams = Type.Object({ gridId: Uuid, code: InviteCode }, { additionalProperties: false });
export type InviteParams = Static<typeof InviteParams>;

export const JoinRequest = Type.Object({ code: InviteCode }, { additionalProperties: false });
export type JoinRequest = Static<typeof JoinRequest>;

/** The canonical stored form of a code a person typed: upper case, no dash. */
export function normalizeInviteCode(code: string): string {
  return code.replace('-', '').toUpperCase();
}
/** How a code is shown: XXXXX-XXXXX. */
export function formatInviteCode(code: string): string {
  const c = normalizeInviteCode(code);
  return `${c.slice(0, 5)}-${c.slice(5)}`;
}
