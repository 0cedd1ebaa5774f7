import { decodeFrame, encodeData } from '@gridshare/protocol/tunnel-codec';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { writeInChunks } from '../testing/chunked-writer.js';
import { type StreamLink, type TunnelStats, TunnelStream } from './tunnel-stream.js';

const WINDOW = 64 * 1024;

/** Two streams joined back to back by an in-memory "relay" that delivers frames on the next turn, and counts in-flight bytes. */
class Pair {
  readonly stats: TunnelStats = { streamsOpened: 0, receiveBufferedHighWater: 0, sendPendingHighWater: 0 };
  inFlightHighWater = 0;
  private readonly inFlight: [number, number] = [0, 0];
  a!: TunnelStream;
  b!: TunnelStream;

  link(side: 0 | 1): StreamLink {
    const link: StreamLink = {
      stats: this.stats,
      forget: () => {},
      sendData: (stream, payload) => link.send(encodeData(stream, payload)),
      send: (frame) => {
        const f = decodeFrame(Buffer.from(frame));
        if (f.type === 'data') this.inFlightHighWater = Math.max(this.inFlightHighWater, (this.inFlight[side] += f.data.length));
        if (f.type === 'window') this.inFlight[side === 0 ? 1 : 0] -= f.credit;
        setImmediate(() => {
          const to = side === 0 ? this.b : this.a;
          if (f.type === 'data') to.onData(f.data);
          else if (f.type === 'window') to.onWindow(f.credit);
          else if (f.type === 'fin') to.onFin();
          else if (f.type === 'rst') to.onReset(f.code, f.message);
        });
      },
    };
    return link;
  }
}

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A client socket whose connection is bridged through a Pair to a socket of `handler`'s server. */
async function bridged(handler: (s: Socket) => void): Promise<{ client: Socket; pair: Pair }> {
  const target = createServer({ allowHalfOpen: true }, handler);
  const front = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  servers.push(target, front);
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const pair = new Pair();
  front.on('connection', (guestSide) => {
    const hostSide = connect({ port: (target.address() as { port: number }).port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      pair.a = new TunnelStream(1, guestSide, pair.link(0), WINDOW);
      pair.b = new TunnelStream(1, hostSide, pair.link(1), WINDOW);
      pair.a.start();
      pair.b.start();
    });
  });
  const client = connect({ port: (front.address() as { port: number }).port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => client.once('connect', r));
  return { client, pair };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Resolves once `check` holds (polled); a minute is only there so that a failure does not hang the run. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a tunnel stream between two sockets', () => {
  test('bytes both ways, half-close carried through: the client ends, the server still answers, both ends finish clean', async () => {
    const { client, pair } = await bridged((s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => s.end(Buffer.concat(got).toString().toUpperCase()));
    });
    client.end('hello, half-closed');
    const chunks: Buffer[] = [];
    for await (const c of client) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'HELLO, HALF-CLOSED');
    const [a, b] = await Promise.all([pair.a.done, pair.b.done]);
    assert.equal(a.reason, 'closed');
    assert.equal(b.reason, 'closed');
    assert.equal(a.bytesSent, 18);
    assert.equal(b.bytesReceived, 18);
  });

  test('a slow reader: the writer is held back, nothing holds more than the window, and every byte arrives', async () => {
    // More than the kernel's socket buffers on the way can absorb (about 8 MiB on Linux: a send buffer on either side).
    const data = randomBytes(32 * 1024 * 1024);
    let writer: { readonly handedOff: number } | undefined;
    const handedOff = () => writer?.handedOff ?? 0;
    const { client, pair } = await bridged((s) => {
      writer = writeInChunks(s, data);
    });
    client.pause();
    // Once the writer has started (its connection comes some turns after the client's), time for it to run on, were nothing to hold it back.
    await until(() => handedOff() > 2 * WINDOW, 'data to flow');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(data.length - handedOff() > 16 * 1024 * 1024, `the writer is held back: ${data.length - handedOff()} of its 32 MiB still wait in its own process`);
    const highWater = () => {
      assert.ok(pair.inFlightHighWater <= WINDOW, `in flight ${pair.inFlightHighWater}`);
      assert.ok(pair.stats.receiveBufferedHighWater <= WINDOW, `buffered ${pair.stats.receiveBufferedHighWater}`);
      assert.ok(pair.stats.sendPendingHighWater <= 64 * 1024, `pending ${pair.stats.sendPendingHighWater}`);
    };
    highWater();
    const chunks: Buffer[] = [];
    for await (const c of client) chunks.push(c as Buffer);
    assert.equal(sha(Buffer.concat(chunks)), sha(data));
    highWater();
  });

  test('a reset on one side resets the other: the client sees the connection aborted, not ended', async () => {
    const { client, pair } = await bridged((s) => {
      s.write('partial');
      setTimeout(() => s.resetAndDestroy(), 50);
    });
    const outcome = await new Promise<string>((resolve) => {
      client.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      client.on('end', () => resolve('end'));
      client.resume();
    });
    assert.equal(outcome, 'ECONNRESET');
    assert.equal((await pair.a.done).reason, 'reset');
  });
});
