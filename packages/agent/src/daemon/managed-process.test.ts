import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { loadAgentConfig } from '../config.js';
import { GroupSampler, readProcStat } from '../supervisor/procfs.js';
import { ManagedProcess } from './managed-process.js';
import { shareRecord } from './process-records.js';

test('health of a shared process that does not lead its process group (started by a script): alive, with its CPU and memory', async () => {
  const home = await mkdtemp(join(tmpdir(), 'grid-health-'));
  // A script (the group leader) that starts the server as a child and waits: the server is not a group leader.
  const script = spawn('/bin/sh', ['-c', 'sleep 600 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const serverPid = Number((await new Promise<Buffer>((r) => script.stdout.once('data', r))).toString().trim());
    const stat = await readProcStat(serverPid);
    assert.ok(stat && stat.pgrp === script.pid && stat.pgrp !== serverPid, 'premise: the shared process is not its group’s leader');
    const record = shareRecord({ grid: 'g', name: 'srv', port: 1 }, '00000000-0000-4000-8000-000000000001', { pid: serverPid, startTimeTicks: stat.startTimeTicks });
    const mp = new ManagedProcess(record, {
      config: loadAgentConfig({ GRID_HOME: home }),
      client: () => null,
      log: pino({ level: 'silent' }),
      sampler: new GroupSampler(),
      save: async () => {},
    });
    const health = await mp.health();
    assert.equal(health.alive, true);
    assert.equal(health.pid, serverPid);
    assert.ok((health.rssBytes ?? 0) > 0, `memory measured (${health.rssBytes})`);
    assert.equal(typeof health.cpuPercent, 'number');
  } finally {
    process.kill(-script.pid!, 'SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
});
