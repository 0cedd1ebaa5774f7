import { formatInviteCode, type Invite } from '@gridshare/protocol';
import { formatDuration } from '../processes/format.js';

export type InviteStatus = 'active' | 'expired' | 'used-up' | 'revoked';

export function inviteStatus(i: Invite, now: number): InviteStatus {
  if (i.revoked) return 'revoked';
  if (i.expiresAt && Date.parse(i.expiresAt) <= now) return 'expired';
  if (i.maxUses !== null && i.uses >= i.maxUses) return 'used-up';
  return 'active';
}

export function describeExpiry(i: Invite, now: number): string {
  if (!i.expiresAt) return 'Never expires';
  const s = (Date.parse(i.expiresAt) - now) / 1000;
  // To the nearest minute: a 7-day invite read a moment after it was made says "7 d", not "6 d 23 h".
  const shown = Math.abs(s) >= 60 ? Math.round(Math.abs(s) / 60) * 60 : Math.abs(s);
  return s > 0 ? `Expires in ${formatDuration(shown)}` : `Expired ${formatDuration(shown)} ago`;
}

export function describeUses(i: Invite): string {
  if (i.maxUses === null) return `${i.uses} ${i.uses === 1 ? 'use' : 'uses'}, no limit`;
  return `${i.uses} of ${i.maxUses} ${i.maxUses === 1 ? 'use' : 'uses'}`;
}

export const displayCode = formatInviteCode;

/** A link that opens the join page with the code filled in. */
export function joinLink(origin: string, code: string): string {
  return `${origin}/join?code=${encodeURIComponent(formatInviteCode(code))}`;
}

export const EXPIRY_CHOICES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
  { label: 'Never', seconds: 0 },
] as const;

export const USES_CHOICES = [
  { label: '1 use', uses: 1 },
  { label: '5 uses', uses: 5 },
  { label: '10 uses', uses: 10 },
  { label: '25 uses', uses: 25 },
  { label: 'No limit', uses: 0 },
] as const;
