import { API_PREFIX } from '@gridshare/protocol';
import Fastify from 'fastify';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config.js';
import { startTestCoordinator } from '../testing/harness.js';

const LIMIT = 2;

/**
 * Uses up the auth allowance of one forwarded client address (logins of an
 * unknown account: 401, cheap), then tries once from another. True when that
 * try is limited too, i.e. both addresses share one bucket.
 */
async function oneBucketForTwoAddresses(trustProxy: string | undefined): Promise<boolean> {
  const t = await startTestCoordinator('pglite', { GRID_AUTH_RATE_LIMIT: String(LIMIT), ...(trustProxy === undefined ? {} : { GRID_TRUST_PROXY: trustProxy }) });
  try {
    const login = async (forwardedFor: string) =>
      (
        await fetch(`${t.url}${API_PREFIX}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ username: 'nobody_here', password: 'not the password', deviceName: 'pc' }),
        })
      ).status;
    for (let i = 0; i < LIMIT; i++) assert.equal(await login('203.0.113.1'), 401);
    assert.equal(await login('203.0.113.1'), 429, 'the limit holds for one address');
    return (await login('203.0.113.2')) === 429;
  } finally {
    await t.close();
  }
}

describe('GRID_TRUST_PROXY and the per-address auth rate limit', () => {
  test('unset: X-Forwarded-For is ignored, so two forwarded addresses behind one peer share a bucket', async () => {
    assert.equal(await oneBucketForTwoAddresses(undefined), true);
  });

  test('true: each forwarded client address gets its own bucket', async () => {
    assert.equal(await oneBucketForTwoAddresses('true'), false);
  });

  test('the proxy’s address listed: its forwarded addresses get their own buckets', async () => {
    assert.equal(await oneBucketForTwoAddresses('127.0.0.1'), false);
  });

  test('a peer that is not a listed proxy cannot pick its bucket with X-Forwarded-For', async () => {
    assert.equal(await oneBucketForTwoAddresses('10.0.0.0/8, ::ffff:10.0.0.1'), true);
  });

  test('every value the config accepts is one Fastify accepts', async () => {
    for (const raw of ['true', 'false', '127.0.0.1', '10.0.0.0/8,192.168.1.1/24', '::1, fd00::/8', 'loopback,uniquelocal', '::ffff:10.0.0.1']) {
      const app = Fastify({ trustProxy: loadConfig({ GRID_TRUST_PROXY: raw }).trustProxy as boolean | string[] });
      await app.close();
    }
  });
});
