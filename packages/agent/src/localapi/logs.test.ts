import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tailLines } from './logs.js';

test('the last n lines; 0 lines is nothing (as tail -n 0), not the whole log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'grid-logs-'));
  try {
    const path = join(dir, 'out.log');
    await writeFile(path, 'one\ntwo\nthree\n');
    assert.equal(await tailLines(path, 2), 'two\nthree\n');
    assert.equal(await tailLines(path, 10), 'one\ntwo\nthree\n');
    assert.equal(await tailLines(path, 0), '');
    assert.equal(await tailLines(join(dir, 'missing.log'), 5), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
