import type { GridEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventsConnection, type SocketLike } from './events-connection.js';
import type { EndReason, LinkStatus } from './grid-state.js';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  open() { this.onopen?.({}); }
  send(e: GridEvent) { this.onmessage?.({ data: JSON.stringify(e) }); }
  drop(code = 1006) { this.onclose?.({ code }); }
  close(code?: number) { this.closedWith = code; }
}

function setup(verify?: () => Promise<'ok' | EndReason>) {
  const sockets: FakeSocket[] = [];
  const statuses: LinkStatus[] = [];
  const events: GridEvent[] = [];
  const ended: EndReason[] = [];
  const delays: number[] = [];
  const conn = new EventsConnection({
    url: () => 'ws://x/events?token=t',
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onEnd: (r) => ended.push(r),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    delay: (attempt) => {
      delays.push(attempt);
      return 1;
    },
    ...(verify ? { verify } : {}),
  });
  return { conn, sockets, statuses, events, ended, delays };
}
const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));
const snapshot: GridEvent = { type: 'snapshot', processes: [], members: [], devices: [] };

test('live after the snapshot; reconnects with growing backoff after a drop, live again on the next snapshot', async () => {
  const h = setup();
  h.conn.start();
  assert.deepEqual(h.statuses, ['connecting']);
  h.sockets[0]!.open();
  h.sockets[0]!.send(snapshot);
  assert.deepEqual(h.statuses, ['connecting', 'live']);
  h.sockets[0]!.drop(1001);
  assert.equal(h.statuses.at(-1), 'reconnecting');
  await tick();
  h.sockets[1]!.drop();
  await tick();
  h.sockets[2]!.drop();
  await tick();
  assert.deepEqual(h.delays, [0, 1, 2]);
  h.sockets[3]!.open();
  h.sockets[3]!.send(snapshot);
  assert.equal(h.statuses.at(-1), 'live');
  assert.equal(h.events.length, 2);
  h.sockets[3]!.drop();
  await tick();
  assert.equal(h.delays.at(-1), 0, 'a snapshot resets the backoff');
  h.conn.stop();
});

test('close codes 4401/4403/4404 end it for good', () => {
  for (const [code, reason] of [[4401, 'unauthorized'], [4403, 'removed'], [4404, 'gone']] as const) {
    const h = setup();
    h.conn.start();
    h.sockets[0]!.open();
    h.sockets[0]!.drop(code);
    assert.deepEqual(h.ended, [reason]);
    assert.equal(h.sockets.length, 1);
  }
});

test('a refused upgrade asks the API: a grid that is gone ends it, anything else retries', async () => {
  let answer: 'ok' | EndReason = 'ok';
  const h = setup(async () => answer);
  h.conn.start();
  h.sockets[0]!.drop(1006);
  await tick();
  assert.equal(h.sockets.length, 2, 'retried');
  answer = 'gone';
  h.sockets[1]!.drop(1006);
  await tick();
  assert.deepEqual(h.ended, ['gone']);
  assert.equal(h.sockets.length, 2);
});

test('stop closes the socket and nothing comes back', async () => {
  const h = setup();
  h.conn.start();
  h.sockets[0]!.open();
  h.conn.stop();
  assert.equal(h.sockets[0]!.closedWith, 1000);
  await tick();
  assert.equal(h.sockets.length, 1);
});
