import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * One plain TCP pipe hop, as a command line: for each `[listen, target]` pair
 * it listens on 127.0.0.1:listen and pipes every connection both ways to
 * 127.0.0.1:target — `net` and `socket.pipe`, nothing else: no framing, no
 * multiplexing, no flow control of its own (pipe's backpressure only).
 * Half-close passes through (allowHalfOpen; pipe ends the other side); an
 * error or reset on one side destroys the other (which the next hop sees as
 * an end: the ceiling does not carry resets as resets, which costs nothing). Prints `ready` when every
 * port listens.
 */
export function pipeHopCommand(pairs: Array<[listen: number, target: number]>): string[] {
  const source = `
const net = require('net');
const pairs = ${JSON.stringify(pairs)};
let listening = 0;
for (const [listen, target] of pairs) {
  net.createServer({ allowHalfOpen: true }, (a) => {
    a.setNoDelay(true);
    const b = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    b.setNoDelay(true);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    a.pipe(b);
    b.pipe(a);
  }).listen(listen, '127.0.0.1', () => {
    if (++listening === pairs.length) process.stdout.write('ready\\n');
  });
}
`;
  return [process.execPath, '-e', source];
}

export interface PipeChain {
  /** The first hop's ports, in the order of the targets given. */
  ports: number[];
  pids: [number, number, number];
  stop(): Promise<void>;
}

async function startHop(pairs: Array<[number, number]>): Promise<ChildProcess> {
  const [cmd, ...args] = pipeHopCommand(pairs);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pipe hop exited (${code}) before listening`)));
  });
  return child;
}

/**
 * The ceiling path: three pipe hops chained, each its own Node process, in
 * the places of the guest agent, the coordinator and the host agent.
 * `targets` are the ports the last hop reaches; `freePort` picks the others.
 */
export async function startPipeChain(targets: number[], freePort: () => Promise<number>): Promise<PipeChain> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const gone = once(c, 'exit');
        c.kill('SIGTERM');
        await gone;
      }),
    );
  };
  try {
    let next = targets;
    // Built from the host side outward, so each hop's target listens before it is reached.
    for (let i = 0; i < 3; i++) {
      const ports = await Promise.all(next.map(() => freePort()));
      children.unshift(await startHop(ports.map((p, j) => [p, next[j]!])));
      next = ports;
    }
    return { ports: next, pids: children.map((c) => c.pid!) as [number, number, number], stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
