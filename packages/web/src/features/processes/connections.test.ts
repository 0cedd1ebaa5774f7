import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aConnection, ALICE, aProcess, BOB } from '../../testing/fixtures.js';
import { canSeeConnections, closeReasonText, connectionDuration } from './connections.js';

test('the host (any device) and owners and admins see a process’s connections; other members do not', () => {
  const alices = aProcess({ hostUserId: ALICE });
  assert.equal(canSeeConnections(alices, ALICE, 'member'), true);
  assert.equal(canSeeConnections(alices, BOB, 'member'), false);
  assert.equal(canSeeConnections(alices, BOB, 'admin'), true);
  assert.equal(canSeeConnections(alices, BOB, 'owner'), true);
  assert.equal(canSeeConnections(alices, BOB, undefined), false, 'membership not known yet');
});

test('close reasons in words; an unknown code still reads', () => {
  assert.equal(closeReasonText(null), null);
  assert.equal(closeReasonText('closed'), 'closed normally by both sides');
  assert.equal(closeReasonText('closed_by_host'), 'closed by the host or an admin');
  assert.equal(closeReasonText('link_lost'), 'an agent lost its link to the server');
  assert.equal(closeReasonText('something_new'), 'something new');
});

test('a closed connection lasted from open to close; an open one has no duration', () => {
  assert.equal(connectionDuration(aConnection()), null);
  assert.equal(connectionDuration(aConnection({ openedAt: '2026-12-04T10:00:00Z', closedAt: '2026-12-04T11:05:30Z' })), '1 h 5 min');
});
