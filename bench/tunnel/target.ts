import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/**
 * The server under test, as a command line for `grid run` (its own process,
 * started and shared by the host agent): on the first port, `down N\n` sends
 * N bytes and `up N\n` + N bytes answers `ok`; on the second, an echo.
 */
export function targetCommand(bulkPort: number, echoPort: number): string[] {
  const source = `
const net = require('net');
const block = Buffer.alloc(1 << 20, 0x5a);
net.createServer({ allowHalfOpen: true }, (s) => {
  s.setNoDelay(true);
  s.on('error', () => {});
  let head = Buffer.alloc(0);
  const onHead = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    s.off('data', onHead);
    const [cmd, n] = head.subarray(0, nl).toString().split(' ');
    const total = Number(n);
    if (cmd === 'down') {
      let left = total;
      const pump = () => {
        while (left > 0) {
          const c = left >= block.length ? block : block.subarray(0, left);
          left -= c.length;
          if (!s.write(c)) return void s.once('drain', pump);
        }
        s.end();
      };
      return pump();
    }
    if (cmd !== 'up') return void s.destroy();
    let got = head.length - nl - 1;
    const check = () => got >= total && s.end('ok\\n');
    s.on('data', (c) => ((got += c.length), check()));
    check();
  };
  s.on('data', onHead);
}).listen(${bulkPort}, '127.0.0.1');
net.createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); s.pipe(s); }).listen(${echoPort}, '127.0.0.1');
`;
  return [process.execPath, '-e', source];
}

async function open(port: number): Promise<Socket> {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(s, 'connect');
  s.setNoDelay(true);
  return s;
}

/** Bytes per second, server → client: from the request to the last byte. */
export async function download(port: number, bytes: number): Promise<number> {
  const s = await open(port);
  let got = 0;
  s.on('data', (d: Buffer) => (got += d.length));
  const t0 = performance.now();
  s.write(`down ${bytes}\n`);
  await once(s, 'end');
  const seconds = (performance.now() - t0) / 1000;
  s.destroy();
  if (got !== bytes) throw new Error(`download got ${got} of ${bytes} bytes`);
  return bytes / seconds;
}

/** Bytes per second, client → server: from the first byte to the server's `ok`. */
export async function upload(port: number, bytes: number): Promise<number> {
  const s = await open(port);
  const block = Buffer.alloc(1 << 20, 0xa5);
  let answer = '';
  s.on('data', (d: Buffer) => (answer += d.toString()));
  const ended = once(s, 'end');
  const t0 = performance.now();
  s.write(`up ${bytes}\n`);
  for (let left = bytes; left > 0; ) {
    const c = left >= block.length ? block : block.subarray(0, left);
    left -= c.length;
    if (!s.write(c)) await once(s, 'drain');
  }
  await ended;
  const seconds = (performance.now() - t0) / 1000;
  s.destroy();
  if (answer !== 'ok\n') throw new Error(`upload answered '${answer}'`);
  return bytes / seconds;
}

/** Round-trip times in ms of `size`-byte messages on one connection, one at a time. */
export async function roundTrips(port: number, trips: number, warmup: number, size: number): Promise<number[]> {
  const s = await open(port);
  const msg = Buffer.alloc(size, 1);
  const samples: number[] = [];
  let pending = 0;
  let arrived: () => void = () => {};
  s.on('data', (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0) arrived();
  });
  for (let i = 0; i < warmup + trips; i++) {
    pending = size;
    const back = new Promise<void>((r) => (arrived = r));
    const t0 = performance.now();
    s.write(msg);
    await back;
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  s.destroy();
  return samples;
}
