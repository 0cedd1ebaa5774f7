import type { GridEvent, SnapshotEvent } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { AuthContext } from '../services/auth.service.js';
import { EventBus } from './event-bus.js';
import { EventsSocket } from './events-socket.js';

const GRID = '00000000-0000-4000-8000-000000000001';
const auth = { user: { id: 'u1' }, device: { id: 'd1' }, tokenHash: 'h' } as unknown as AuthContext;
const snapshot = (marker: string): SnapshotEvent => ({ type: 'snapshot', processes: [], members: [], devices: [{ marker } as never] });
const markerOf = (e: GridEvent) => (e.type === 'snapshot' ? (e.devices[0] as unknown as { marker: string }).marker : e.type);

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
after(() => new Promise<void>((r) => server.close(() => r())));

/** A real socket pair, the server end driven by an EventsSocket whose snapshot reads finish when the test says. */
async function watch() {
  const bus = new EventBus();
  const reads: Array<{ resolve: (s: SnapshotEvent) => void }> = [];
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  if (!server.address()) await once(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  const got: GridEvent[] = [];
  client.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as GridEvent));
  const [socket] = await accepted;
  await once(client, 'open');
  new EventsSocket(socket, GRID, auth, {
    bus,
    loadSnapshot: () => new Promise<SnapshotEvent>((resolve) => reads.push({ resolve })),
    pingIntervalMs: 60_000,
    log: { warn: () => {} },
  });
  const until = async (check: () => boolean, what: string) => {
    const end = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { bus, reads, got, client, until };
}

test('two snapshots read at once (a resync during a resync): the one that finishes last but began first is dropped', async () => {
  const w = await watch();
  await w.until(() => w.reads.length === 1, 'the first snapshot read');
  w.reads[0]!.resolve(snapshot('first'));
  await w.until(() => w.got.length === 1, 'the first snapshot');

  w.bus.resyncAll(); // older read
  w.bus.resyncAll(); // newer read
  await w.until(() => w.reads.length === 3, 'two reads in flight');
  w.bus.publish(GRID, { type: 'member', change: 'left', member: { userId: 'u2' } as never }); // during the reads: held back
  w.reads[2]!.resolve(snapshot('newer'));
  await w.until(() => w.got.length === 3, 'the newer snapshot and the held-back event');
  w.reads[1]!.resolve(snapshot('older'));
  await new Promise((r) => setTimeout(r, 200));
  w.bus.publish(GRID, { type: 'member', change: 'joined', member: { userId: 'u3' } as never });
  await w.until(() => w.got.length === 4, 'a later event');
  assert.deepEqual(w.got.map(markerOf), ['first', 'newer', 'member', 'member'], 'the older snapshot never arrives after the newer one');
  w.client.close();
});

test('events during the first snapshot read follow the snapshot, in order', async () => {
  const w = await watch();
  await w.until(() => w.reads.length === 1, 'the snapshot read');
  w.bus.publish(GRID, { type: 'member', change: 'joined', member: { userId: 'a' } as never });
  w.bus.publish(GRID, { type: 'member', change: 'left', member: { userId: 'a' } as never });
  assert.equal(w.got.length, 0, 'nothing before the snapshot');
  w.reads[0]!.resolve(snapshot('s'));
  await w.until(() => w.got.length === 3, 'the snapshot and both events');
  assert.deepEqual(w.got.map((e) => (e.type === 'member' ? e.change : markerOf(e))), ['s', 'joined', 'left']);
  w.client.close();
});
