import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerError, startFailure } from './client.js';

test("why a starting agent gave up: its command's `grid:` line, else the last error it logged", () => {
  assert.equal(startFailure('{"level":30,"msg":"hello"}\ngrid: /h/state.json is not valid JSON; move it aside to start fresh\n'), '/h/state.json is not valid JSON; move it aside to start fresh');
  assert.equal(startFailure('{"level":50,"msg":"boom","err":{"message":"EADDRINUSE"}}\n{"level":30,"msg":"bye"}\n'), 'EADDRINUSE');
  // A crash's stack trace names no reason: the caller points at the log instead.
  assert.equal(startFailure('file:///x.js:1\nTypeError: nope\n    at y (file:///x.js:1:1)\n\nNode.js v20\n'), null);
  assert.equal(startFailure(''), null);
});

test('an error answer from the agent: its code and words when in our shape, else the HTTP status — never a JSON parse error', () => {
  const e = answerError(404, '{"error":{"code":"process_not_found","message":"no process called \'x\' on this PC"}}');
  assert.deepEqual([e.code, e.message, e.status], ['process_not_found', "no process called 'x' on this PC", 404]);
  assert.deepEqual([answerError(502, '<html>bad gateway</html>').code, answerError(502, '<html>bad gateway</html>').message], ['error', 'the agent answered HTTP 502']);
  assert.equal(answerError(500, '{"error":{"code":7}}').message, 'the agent answered HTTP 500');
});
