import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults: port 8080, heartbeat every 30 s, offline after 60 s, embedded database in the user data dir', () => {
  const c = loadConfig({ HOME: '/home/u' });
  assert.equal(c.port, 8080);
  assert.equal(c.heartbeatIntervalMs, 30_000);
  assert.equal(c.staleAfterMs, 60_000);
  assert.equal(c.databaseUrl, undefined);
  assert.match(c.dataDir, /gridshare/);
  assert.ok(c.sweepIntervalMs + c.flushIntervalMs < 1000, 'an expiry is noticed within a second of its deadline');
  assert.ok(Object.isFrozen(c));
});

test('the environment is read, and flags override it', () => {
  const env = { PORT: '9000', HOST: '127.0.0.1', GRID_DATA_DIR: '/tmp/a', DATABASE_URL: 'postgres://db/x', GRID_HEARTBEAT_INTERVAL_MS: '1000', GRID_STALE_AFTER_MS: '3000' };
  const c = loadConfig(env);
  assert.deepEqual([c.port, c.host, c.dataDir, c.databaseUrl, c.heartbeatIntervalMs, c.staleAfterMs], [9000, '127.0.0.1', '/tmp/a', 'postgres://db/x', 1000, 3000]);
  const f = loadConfig(env, { port: '9100', host: '::1', dataDir: '/tmp/b', databaseUrl: 'postgresql://other/y' });
  assert.deepEqual([f.port, f.host, f.dataDir, f.databaseUrl], [9100, '::1', '/tmp/b', 'postgresql://other/y']);
});

test('an invalid value stops the start with one line naming the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT/],
    [{ GRID_HEARTBEAT_INTERVAL_MS: '1.5' }, /^GRID_HEARTBEAT_INTERVAL_MS/],
    [{ GRID_STALE_AFTER_MS: '-1' }, /^GRID_STALE_AFTER_MS/],
    [{ GRID_CLUSTER_URL: 'not a url' }, /^GRID_CLUSTER_URL must be a URL/],
    [{ GRID_CLUSTER_URL: 'ftp://10.0.0.5' }, /^GRID_CLUSTER_URL must start with http/],
    [{ GRID_HEARTBEAT_INTERVAL_MS: '5000', GRID_STALE_AFTER_MS: '4000' }, /^GRID_STALE_AFTER_MS \(4000\) must be greater than GRID_HEARTBEAT_INTERVAL_MS/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with postgres/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ GRID_TRUST_PROXY: 'yes' }, /^GRID_TRUST_PROXY must be true, false, or/],
    [{ GRID_TRUST_PROXY: '1' }, /^GRID_TRUST_PROXY cannot be a hop count/],
    [{ GRID_TRUST_PROXY: '300.0.0.1' }, /^GRID_TRUST_PROXY must be true, false, or .*\(got '300\.0\.0\.1'\)/],
    [{ GRID_TRUST_PROXY: '10.0.0.0/33' }, /^GRID_TRUST_PROXY .*'10\.0\.0\.0\/33'/],
    [{ GRID_TRUST_PROXY: '10.0.0.0/0' }, /^GRID_TRUST_PROXY/],
    [{ GRID_TRUST_PROXY: '::1/129' }, /^GRID_TRUST_PROXY/],
    [{ GRID_TRUST_PROXY: '10.0.0.1,' }, /^GRID_TRUST_PROXY/],
    [{ GRID_TRUST_PROXY: 'proxy.internal' }, /^GRID_TRUST_PROXY/],
    [{ GRID_TRUST_PROXY: 'true,10.0.0.1' }, /^GRID_TRUST_PROXY/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'), JSON.stringify(env));
  }
  assert.throws(() => loadConfig({}, { port: 'x' }), /^ConfigError: --port must be/);
});

test('GRID_WEB_ROOT: a folder, off, or (unset) the built app beside the package', () => {
  assert.equal(loadConfig({ GRID_WEB_ROOT: '/srv/web' }).webRoot, '/srv/web');
  assert.equal(loadConfig({ GRID_WEB_ROOT: 'off' }).webRoot, null);
  assert.equal(loadConfig({}).webRoot, undefined);
});

test('GRID_CLUSTER_URL: where peers reach this coordinator, as an origin; unset: decided at listen', () => {
  assert.equal(loadConfig({ GRID_CLUSTER_URL: 'http://10.0.0.5:8080/' }).clusterUrl, 'http://10.0.0.5:8080');
  assert.equal(loadConfig({}).clusterUrl, undefined);
});

test('GRID_TRUST_PROXY: off by default; true, false, or the proxies’ addresses and CIDR ranges', () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ GRID_TRUST_PROXY: '' }).trustProxy, false);
  assert.equal(loadConfig({ GRID_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ GRID_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({ GRID_TRUST_PROXY: ' TRUE ' }).trustProxy, true);
  assert.deepEqual(loadConfig({ GRID_TRUST_PROXY: '127.0.0.1' }).trustProxy, ['127.0.0.1']);
  const list = loadConfig({ GRID_TRUST_PROXY: '10.0.0.0/8, ::1 ,fd00::/8,loopback' }).trustProxy;
  assert.deepEqual(list, ['10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  assert.ok(Object.isFrozen(list));
});
