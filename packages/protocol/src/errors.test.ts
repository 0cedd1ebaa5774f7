import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, ERROR_STATUS } from './errors.js';

test('every error code is documented in docs/api.md with its status', () => {
  const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${ERROR_STATUS[code]} \\|`), code);
  }
});
