import type { IncomingMessage } from 'node:http';
import { open, stat } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { onHangUp } from './hang-up.js';

const TAIL_WINDOW = 256 * 1024;

/** The last `n` lines of a log file ('' when there is none yet, or n is 0, as with `tail -n 0`). */
export async function tailLines(path: string, n: number): Promise<string> {
  if (n <= 0) return '';
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - TAIL_WINDOW);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n).map((l) => `${l}\n`).join('');
  } finally {
    await fh.close();
  }
}

/** `grid logs -f`: the last lines, then whatever is appended, until the client goes away. Survives rotation. */
export function streamLog(path: string, n: number, req: IncomingMessage): Readable {
  const out = new PassThrough();
  let closed = false;
  onHangUp(req, () => {
    closed = true;
    out.end();
  });
  (async () => {
    out.write(await tailLines(path, n));
    let offset = await stat(path).then((s) => s.size, () => 0);
    while (!closed) {
      await new Promise((r) => setTimeout(r, 200));
      const size = await stat(path).then((s) => s.size, () => 0);
      if (size < offset) offset = 0; // rotated (copytruncate)
      if (size === offset) continue;
      // Gone between the stat and the open (`grid rm`, or pruned): the next round sees size 0.
      const fh = await open(path, 'r').catch(() => null);
      if (!fh) continue;
      try {
        const buf = Buffer.alloc(Math.min(size - offset, 1024 * 1024));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        if (!closed) out.write(buf.subarray(0, bytesRead));
      } finally {
        await fh.close();
      }
    }
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}
