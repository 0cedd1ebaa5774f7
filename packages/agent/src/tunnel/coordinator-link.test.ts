import { GridClient } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import pino from 'pino';
import { WebSocketServer } from 'ws';
import type { Session } from '../daemon/session.js';
import { CoordinatorLink } from './coordinator-link.js';

/** A coordinator that answers every agent link with a broken welcome. */
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
after(() => new Promise<void>((r) => server.close(() => r())));

test('a welcome that is not one (not JSON, wrong shape, a ping interval of 0) is refused: the link reconnects, the agent carries on', async () => {
  const bad = ['not json at all', JSON.stringify({ type: 'welcome' }), JSON.stringify({ type: 'welcome', protocol: 2, windowBytes: 1, maxDataBytes: 1, idleTimeoutMs: 1, pingIntervalMs: 0, maxStreams: 1 })];
  let connections = 0;
  server.on('connection', (ws) => {
    const answer = bad[connections++ % bad.length]!;
    ws.once('message', () => ws.send(answer));
  });
  if (!server.address()) await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = new GridClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
  const session = { client: () => client } as unknown as Session;
  const link = new CoordinatorLink(session, 'test', pino({ level: 'silent' }), () => {});
  link.start();
  try {
    const until = Date.now() + 30_000;
    while (connections < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(connections >= 4, `it kept reconnecting (${connections} connections)`);
    const status = link.status();
    assert.notEqual(status.state, 'connected');
    assert.match(status.lastError ?? '', /not a welcome/);
  } finally {
    link.stop();
  }
});
