import { createServer, type Server } from 'node:net';
import { mcString, packet, readVarInt, takePackets } from '../health/minecraft-ping.js';

export interface FakeMinecraftOptions {
  /** The status JSON it answers with. */
  status?: unknown;
  /** Answer the status, then close without a pong. */
  noPong?: boolean;
  /** Accept and never answer. */
  silent?: boolean;
  /** Answer with bytes that are not the protocol. */
  garbage?: boolean;
}

export const FAKE_STATUS = {
  version: { name: '1.21.4', protocol: 769 },
  players: { max: 20, online: 2, sample: [{ name: 'Steve', id: '00000000-0000-4000-8000-000000000001' }, { name: '§aAlex', id: '00000000-0000-4000-8000-000000000002' }] },
  description: { text: '§6A ', extra: [{ text: 'fake', bold: true }, ' server'] },
};

/**
 * A small server that speaks the Server List Ping as a real one does: a
 * handshake whose next state is 1, a status request, the JSON answer, then a
 * pong with the ping's payload. For tests; on 127.0.0.1.
 */
export async function startFakeMinecraft(port = 0, opts: FakeMinecraftOptions = {}): Promise<{ server: Server; port: number; handshakes: number; close(): Promise<void> }> {
  const state = { handshakes: 0 };
  const server = createServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    let handshaken = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (opts.silent) return;
      if (opts.garbage) return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      buf = Buffer.concat([buf, chunk]);
      const { packets, rest } = takePackets(buf);
      buf = rest;
      for (const [id, payload] of packets) {
        if (!handshaken) {
          // protocol version, server address, port, next state (1 = status)
          const proto = readVarInt(payload)!;
          const hostLen = readVarInt(payload, proto.size)!;
          const next = readVarInt(payload, proto.size + hostLen.size + hostLen.value + 2)!;
          if (id !== 0x00 || next.value !== 1) return void socket.destroy();
          handshaken = true;
          state.handshakes++;
        } else if (id === 0x00 && payload.length === 0) {
          socket.write(packet(0x00, mcString(JSON.stringify(opts.status ?? FAKE_STATUS))));
          if (opts.noPong) socket.end();
        } else if (id === 0x01) {
          socket.end(packet(0x01, payload));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as { port: number }).port,
    get handshakes() {
      return state.handshakes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
