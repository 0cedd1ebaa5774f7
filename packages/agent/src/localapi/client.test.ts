import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFailure } from './client.js';

test("why a starting agent gave up: its command's `grid:` line, else the last error it logged", () => {
  assert.equal(startFailure('{"level":30,"msg":"hello"}\ngrid: /h/state.json is not valid JSON; move it aside to start fresh\n'), '/h/state.json is not valid JSON; move it aside to start fresh');
  assert.equal(startFailure('{"level":50,"msg":"boom","err":{"message":"EADDRINUSE"}}\n{"level":30,"msg":"bye"}\n'), 'EADDRINUSE');
  // A crash's stack trace names no reason: the caller points at the log instead.
  assert.equal(startFailure('file:///x.js:1\nTypeError: nope\n    at y (file:///x.js:1:1)\n\nNode.js v20\n'), null);
  assert.equal(startFailure(''), null);
});
