import type { ConnectEvent } from '@gridshare/protocol';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Pc } from './agent-harness.js';
import { GRID_BIN } from './serve-process.js';

/** A running `grid connect`: its local port and the events it printed (--json). */
export interface Connected {
  port: number;
  events: ConnectEvent[];
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `grid connect ARGS… --json` on a PC and waits for it to listen. */
export function gridConnect(pc: Pc, ...args: string[]): Promise<Connected> {
  const child = spawn(process.execPath, [GRID_BIN, 'connect', ...args, '--json'], { env: pc.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ConnectEvent[] = [];
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`grid connect did not listen: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (!line) continue;
        const e = JSON.parse(line) as ConnectEvent;
        events.push(e);
        if (e.type !== 'listening') continue;
        clearTimeout(timer);
        resolve({
          port: e.port,
          events,
          child,
          stderr: () => err,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGINT');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`grid connect exited with ${code}: ${err}`), { code, stderr: err }));
    });
  });
}

/** A TCP echo server for `grid run` that survives its clients resetting (as tunnels do when a guest goes away). */
export function robustEchoCommand(port: number): string[] {
  return [process.execPath, '-e', `require('net').createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.pipe(s); }).listen(${port}, '127.0.0.1')`];
}

export const sha256 = (b: Buffer | Buffer[]) => {
  const h = createHash('sha256');
  for (const part of Array.isArray(b) ? b : [b]) h.update(part);
  return h.digest('hex');
};

/** Sends `data` (then half-closes) and resolves with everything received until the other side ends. */
export function exchange(port: number, data: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(data));
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
  });
}

/**
 * How a client socket ended: 'end' (clean) or an error code (ECONNRESET…). Takes no time limit, so it can be
 * set up before slow steps (a CLI run, a kill); bound the wait only after them, with `within`.
 */
export function ending(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    s.once('end', () => resolve('end'));
    s.once('close', () => resolve('close'));
  });
}

/** `p`'s value, or 'timeout' if it has none within `ms` from now. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** A TCP server in this test process, on 127.0.0.1 (the host agent dials it as a declared port of a `grid run … sleep` process). */
export async function localServer(handler: (s: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    handler(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Resident memory of a process (VmRSS), in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
