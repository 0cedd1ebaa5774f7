import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { ApiError, GridClient } from './index.js';

/** A coordinator that hangs: on /api/v1/me it never answers; on /api/v1/devices it sends headers and never ends the body. */
const held: ServerResponse[] = [];
const server = createServer((req, res) => {
  held.push(res);
  if (req.url === '/api/v1/devices') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"devices":');
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

const timedOut = (e: unknown) => e instanceof ApiError && e.code === 'network_error' && e.retryable && /^no answer from http:\/\/127\.0\.0\.1:\d+ within 0\.3 s$/.test(e.message);

test('a coordinator that accepts and never answers: the request gives up after timeoutMs, as a retryable network error', { timeout: 10_000 }, async () => {
  const client = new GridClient({ baseUrl, token: 't', timeoutMs: 300 });
  await assert.rejects(client.me(), timedOut);
});

test('an answer whose body never ends times out too', { timeout: 10_000 }, async () => {
  await assert.rejects(new GridClient({ baseUrl, timeoutMs: 300 }).listDevices(), timedOut);
});

test('withToken and withTimeout keep the other settings', { timeout: 10_000 }, async () => {
  const client = new GridClient({ baseUrl, timeoutMs: 300 }).withToken('other');
  assert.equal(client.token, 'other');
  await assert.rejects(client.me(), timedOut);
  await assert.rejects(new GridClient({ baseUrl }).withTimeout(300).me(), timedOut);
});
