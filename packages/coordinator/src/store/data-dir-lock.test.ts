import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataDirInUseError } from './data-dir-lock.js';
import { openPglite } from './pglite.database.js';

describe('the embedded database holds its data directory', () => {
  let dir: string;
  before(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'grid-lock-')), 'data');
  });
  after(() => rm(join(dir, '..'), { recursive: true, force: true }));

  test('a second coordinator on the same directory is refused, naming the holder; once the first closes, it opens', async () => {
    const first = await openPglite(dir);
    try {
      await assert.rejects(openPglite(dir), (err: Error) => err instanceof DataDirInUseError && err.message.includes(dir) && /in use by another coordinator/.test(err.message));
      assert.equal((await first.query<{ one: number }>('SELECT 1 AS one'))[0]?.one, 1, 'the refusal did not disturb the holder');
    } finally {
      await first.close();
    }
    const second = await openPglite(dir);
    await second.close();
  });

  test('a lock left by a process that is gone (a crash) is taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    assert.ok(deadPid > 0);
    await writeFile(`${dir}.lock`, `${deadPid}\n`);
    const db = await openPglite(dir);
    assert.equal((await readFile(`${dir}.lock`, 'utf8')).trim(), String(process.pid));
    await db.close();
    await assert.rejects(readFile(`${dir}.lock`), { code: 'ENOENT' }, 'closing releases it');
  });
});
