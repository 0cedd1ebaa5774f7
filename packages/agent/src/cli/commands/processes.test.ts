import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { commandOptionHint } from './processes.js';

const GRID_BIN = fileURLToPath(new URL('../../../bin/grid.js', import.meta.url));

test('grid run with the command’s own option before --: the error says to put -- before the command', () => {
  assert.equal(commandOptionHint("error: unknown option '-m'\n"), "error: unknown option '-m' — if it is your command's, put -- before the command: grid run --grid G --name N -- COMMAND -m …\n");
  assert.equal(commandOptionHint("error: missing required argument 'command'\n"), "error: missing required argument 'command'\n", 'other errors as they are');
  const r = spawnSync(process.execPath, [GRID_BIN, 'run', '--grid', 'g', '--name', 'web', 'python3', '-m', 'http.server'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown option '-m' — if it is your command's, put -- before the command/);
});
