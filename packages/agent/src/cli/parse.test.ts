import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionId, durationSeconds, inviteCode, inviteExpiry, inviteUses, lineCount, localPort, shortDuration } from './parse.js';

const refuses = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof Error && message.test(e.message));

test('-n is a whole number of lines, 0 included (tail prints nothing then)', () => {
  assert.equal(lineCount('0'), 0);
  assert.equal(lineCount('25'), 25);
  for (const bad of ['abc', '-3', '1.5', '', '3x']) refuses(() => lineCount(bad), /is not a number of lines \(a whole number, 0 or more\)/);
  refuses(() => lineCount('1000000'), /-n must be at most 999999/);
});

test('a duration of 0 is refused, not taken as "no expiry"', () => {
  assert.equal(durationSeconds('90s'), 90);
  assert.equal(durationSeconds('7d'), 7 * 86400);
  for (const zero of ['0s', '0m', '0d']) refuses(() => durationSeconds(zero), /is no time at all/);
  refuses(() => durationSeconds('soon'), /is not a duration like 30m, 1h or 7d/);
});

test('--expires and --uses within the coordinator’s limits, said in flags and units', () => {
  assert.equal(shortDuration(60), '1m');
  assert.equal(shortDuration(30 * 86400), '30d');
  assert.equal(shortDuration(90), '90s');
  assert.equal(inviteExpiry('1m'), 60);
  assert.equal(inviteExpiry('30d'), 30 * 86400);
  refuses(() => inviteExpiry('9999d'), /^--expires must be at most 30d$/);
  refuses(() => inviteExpiry('59s'), /^--expires must be at least 1m$/);
  refuses(() => inviteExpiry('0s'), /no time at all/);
  assert.equal(inviteUses('1000'), 1000);
  refuses(() => inviteUses('1001'), /^--uses must be at most 1000$/);
  refuses(() => inviteUses('0'), /^--uses must be at least 1$/);
  refuses(() => inviteUses('many'), /is not a whole number/);
});

test('invite codes: the shape they are shown in (any case, dash optional), else a human message', () => {
  assert.equal(inviteCode('7KQ3M-XW9PD'), '7KQ3M-XW9PD');
  assert.equal(inviteCode(' 7kq3mxw9pd '), '7kq3mxw9pd');
  for (const bad of ['BADCODE', '00000-00000', '7KQ3M-XW9PD-1', '']) refuses(() => inviteCode(bad), /is not an invite code: they look like 7KQ3M-XW9PD/);
});

test('a connection id is a UUID', () => {
  assert.equal(connectionId('8F0E3C1A-1B2C-4D3E-8F40-123456789ABC'), '8f0e3c1a-1b2c-4d3e-8f40-123456789abc');
  refuses(() => connectionId('bogus-id'), /'bogus-id' is not a connection id/);
});

test('--local-port: a port, or 0 for any free one; nothing else', () => {
  assert.equal(localPort('0'), 0);
  assert.equal(localPort('25565'), 25565);
  for (const bad of ['-1', '65536', 'abc', '', '1.5']) refuses(() => localPort(bad), /is not a port/);
});
