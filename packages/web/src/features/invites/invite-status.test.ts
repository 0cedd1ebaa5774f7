import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExpiry } from './invite-status.js';

const invite = (expiresAt: string | null) => ({
  code: 'ABCDE-FGHJK',
  expiresAt,
  maxUses: 5,
  uses: 0,
  createdAt: '2026-12-04T00:00:00.000Z',
  createdBy: '00000000-0000-4000-8000-000000000000',
  revoked: false,
});

test('an expiry countdown is shown to the nearest minute, so a fresh 7-day invite says 7 d', () => {
  const now = Date.parse('2026-12-04T12:00:00.000Z');
  const in7d = new Date(now + 7 * 86_400_000 - 2_500).toISOString(); // read 2.5 s after it was made
  assert.equal(describeExpiry(invite(in7d), now), 'Expires in 7 d');
  assert.equal(describeExpiry(invite(new Date(now + 90 * 60_000 + 20_000).toISOString()), now), 'Expires in 1 h 30 min');
  assert.equal(describeExpiry(invite(new Date(now + 30_000).toISOString()), now), 'Expires in 30 s');
  assert.equal(describeExpiry(invite(new Date(now - 3 * 3_600_000).toISOString()), now), 'Expired 3 h ago');
  assert.equal(describeExpiry(invite(null), now), 'Never expires');
});
