import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentConfigError, loadAgentConfig, withoutSecrets } from './config.js';

test('the environment for processes keeps everything but the secrets', () => {
  const config = loadAgentConfig({ GRID_HOME: '/tmp/x', PATH: '/usr/bin', GRID_PASSWORD: 'hunter22', FOO: 'bar' });
  assert.deepEqual(config.childEnv, { GRID_HOME: '/tmp/x', PATH: '/usr/bin', FOO: 'bar' });
  assert.deepEqual(withoutSecrets({ GRID_PASSWORD: 'x', A: undefined, B: '' }), { B: '' });
});

test('LOG_LEVEL is one of pino’s levels, or a clear error (not a crash when the logger starts)', () => {
  assert.equal(loadAgentConfig({ LOG_LEVEL: ' debug ' }).logLevel, 'debug');
  assert.equal(loadAgentConfig({}).logLevel, 'info');
  assert.throws(() => loadAgentConfig({ LOG_LEVEL: 'verbose' }), (e: unknown) => e instanceof AgentConfigError && /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got 'verbose'\)/.test(e.message));
});

test('bad numbers are refused with the variable’s name and range', () => {
  assert.throws(() => loadAgentConfig({ GRID_POLL_MS: '5' }), /GRID_POLL_MS must be a whole number from 10 to 60000 \(got '5'\)/);
});

test('requests to the coordinator give up after GRID_REQUEST_TIMEOUT_MS (15 s unless set)', () => {
  assert.equal(loadAgentConfig({}).requestTimeoutMs, 15_000);
  assert.equal(loadAgentConfig({ GRID_REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs, 2500);
  assert.throws(() => loadAgentConfig({ GRID_REQUEST_TIMEOUT_MS: '0' }), /GRID_REQUEST_TIMEOUT_MS must be a whole number from 100 to 600000/);
});
