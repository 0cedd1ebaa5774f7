import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { onHangUp } from './hang-up.js';

/** A server whose handler awaits (as routes await the coordinator) before it watches for the hang-up. */
async function hangUpAfter(handlerDelayMs: number, clientGoesAfterMs: number): Promise<'called'> {
  let resolveDone!: (v: 'called') => void;
  const done = new Promise<'called'>((r) => (resolveDone = r));
  const server = createServer((req: IncomingMessage, res) => {
    setTimeout(() => {
      onHangUp(req, () => resolveDone('called'));
      res.writeHead(200);
      res.write('streaming\n'); // a long answer, as `grid connect` and `ps --watch` give
    }, handlerDelayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const req = request({ port, host: '127.0.0.1', path: '/' });
  req.on('error', () => {});
  req.end();
  setTimeout(() => req.destroy(), clientGoesAfterMs);
  try {
    return await done;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('the hang-up is seen when the CLI goes while the route is still awaiting', { timeout: 10_000 }, async () => {
  assert.equal(await hangUpAfter(300, 20), 'called');
});

test('the hang-up is seen when the CLI goes after the answer started', { timeout: 10_000 }, async () => {
  assert.equal(await hangUpAfter(0, 200), 'called');
});
