import type { LocalProcess } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import type { CoordinatorLink } from './coordinator-link.js';
import { dialForHost } from './host-dialer.js';

/** A stand-in for the link that records what the dialer answers. */
function fakeLink() {
  const dialing = new Map<number, () => void>();
  const answers: string[] = [];
  let settle!: () => void;
  const answered = new Promise<void>((r) => (settle = r));
  const link = {
    dialingFor: (sid: number, abort: () => void) => dialing.set(sid, abort),
    stillDialing: (sid: number) => dialing.has(sid),
    refuse: (sid: number, code: string) => {
      dialing.delete(sid);
      answers.push(code);
      settle();
    },
    accept: (sid: number, socket: { destroy(): void }) => {
      dialing.delete(sid);
      answers.push('accepted');
      socket.destroy();
      settle();
      return { done: new Promise(() => {}) };
    },
  };
  return { link: link as unknown as CoordinatorLink, answers, answered };
}

const proc = (ports: number[], over: Partial<LocalProcess['spec']> = {}) => ({
  live: true,
  record: { id: 'p', name: 'web', spec: { ports: ports.map((port) => ({ port, protocol: 'tcp' as const })), ...over } } as LocalProcess,
});

test('the host dials only a declared port of its own live, non-private process — whatever the coordinator asks', async () => {
  let connections = 0;
  const server = createServer((s) => (connections++, s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const listening = (server.address() as { port: number }).port;
  const log = pino({ level: 'silent' });
  const ask = async (port: number, found: ReturnType<typeof proc> | undefined) => {
    const f = fakeLink();
    dialForHost(f.link, { sid: 2, processId: 'p', port, connectionId: null }, () => found, log);
    await f.answered;
    return f.answers[0];
  };
  try {
    assert.equal(await ask(listening, undefined), 'process_not_found');
    assert.equal(await ask(listening, { ...proc([listening]), live: false }), 'process_offline');
    assert.equal(await ask(listening, proc([listening], { private: true })), 'process_private');
    assert.equal(await ask(listening, proc([listening + 1])), 'port_not_declared');
    assert.equal(connections, 0, 'no connection was even attempted');
    assert.equal(await ask(listening, proc([listening])), 'accepted');
    server.close();
    assert.equal(await ask(listening, proc([listening])), 'dial_failed');
  } finally {
    server.close();
  }
});
