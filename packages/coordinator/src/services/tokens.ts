import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, prefixed so a leaked token is recognisable in a secret scanner. */
export function newToken(): string {
  return `gst_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
