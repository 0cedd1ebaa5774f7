import type { PsEntry } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minecraft, render, stoppedNote } from './ps.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
function entry(over: Partial<PsEntry['process']>): PsEntry {
  return {
    gridName: 'lan',
    local: null,
    process: {
      id: '6d33671e-0000-4000-8000-000000000001',
      gridId: '6d33671e-0000-4000-8000-000000000002',
      name: 'survival',
      kind: 'minecraft',
      command: null,
      ports: [],
      metadata: {},
      status: 'stopped',
      hostUserId: '6d33671e-0000-4000-8000-000000000003',
      hostUsername: 'alice',
      hostDeviceId: '6d33671e-0000-4000-8000-000000000004',
      hostDeviceName: 'pc1',
      lastHeartbeatAt: '2026-12-04T11:59:00Z',
      registeredAt: '2026-12-04T11:00:00Z',
      stoppedAt: '2026-12-04T11:59:30Z',
      stopReason: 'stopped',
      exitCode: null,
      health: null,
      private: false,
      ...over,
    },
  };
}

test('a stopped process says why when that is more than "stopped"', () => {
  assert.equal(stoppedNote(entry({ stopReason: 'force_stopped' }).process), 'force-stopped by a grid owner or admin');
  assert.equal(stoppedNote(entry({ stopReason: 'crashed', exitCode: 3 }).process), 'exit 3');
  assert.equal(stoppedNote(entry({ stopReason: 'member_removed' }).process), 'member removed');
  assert.equal(stoppedNote(entry({ stopReason: 'stopped' }).process), '');
  assert.equal(stoppedNote(entry({ stopReason: null }).process), '');
});

test('grid ps: a stopped row shows no uptime or heartbeat, and its reason where health would be', () => {
  const out = render({ processes: [entry({ stopReason: 'force_stopped', health: { alive: true, cpuPercent: 5 } })] }, NOW);
  const [header, row] = out.split('\n');
  assert.match(header!, /^GRID\s+NAME\s+STATUS\s+HOST\s+UPTIME\s+HEARTBEAT\s+HEALTH\s+ID$/);
  assert.match(row!, /^lan\s+survival\s+stopped\s+alice@pc1\s+-\s+-\s+force-stopped by a grid owner or admin\s+6d33671e/);
  assert.doesNotMatch(row!, /cpu/, 'the last health of a stopped process is not shown as current');
});

test('game server text is printed without escape sequences, even if a coordinator let them through', () => {
  const line = minecraft({ reachable: true, version: '1.21\u001b[2J', playersOnline: 1, playersMax: 2, sample: ['Al\u001b]0;x\u0007ex'] });
  assert.equal(line, 'minecraft 1.21[2J, players 1/2 (Al]0;xex)');
  assert.equal(minecraft({ reachable: false, error: 'no\u001b[31m' }), 'minecraft: no answer (no[31m)');
});

test('grid ps: the uptime of an online process counts on from its last heartbeat', () => {
  const online = entry({ status: 'online', stopReason: null, stoppedAt: null, lastHeartbeatAt: '2026-12-04T11:59:40Z', health: { alive: true, uptimeSeconds: 5 } });
  const row = render({ processes: [online] }, NOW).split('\n')[1]!;
  assert.match(row, /^lan\s+survival\s+online\s+alice@pc1\s+25s\s/, '5 s reported 20 s ago');
});
