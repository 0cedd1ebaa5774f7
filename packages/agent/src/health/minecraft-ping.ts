import { type ProcessHealth, withoutHidden } from '@gridshare/protocol';
import { connect } from 'node:net';

export type MinecraftHealth = NonNullable<ProcessHealth['minecraft']>;

/**
 * The Minecraft Server List Ping (https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping):
 * every packet is VarInt length, VarInt packet id, fields. We send a handshake
 * (next state: status) and a status request, read the JSON answer, then time
 * a ping/pong. Any server that speaks it answers, whatever its `kind`.
 */
const MAX_PACKET_BYTES = 256 * 1024;
/** By convention, a client that pings to learn the version sends protocol -1. */
const ANY_PROTOCOL = -1;

export function writeVarInt(value: number): Buffer {
  const out: number[] = [];
  let v = value >>> 0; // 32-bit two's complement, as the protocol has it
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return Buffer.from(out);
}

/** A VarInt at `offset`: its value and length, null when the buffer ends first; throws past 5 bytes. */
export function readVarInt(buf: Buffer, offset = 0): { value: number; size: number } | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (offset + i >= buf.length) return null;
    const byte = buf[offset + i]!;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value, size: i + 1 };
  }
  throw new Error('VarInt longer than 5 bytes');
}

export function packet(id: number, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([writeVarInt(id), ...fields]);
  return Buffer.concat([writeVarInt(body.length), body]);
}

export function mcString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([writeVarInt(bytes.length), bytes]);
}

/** Splits whole packets off the front of `buf`: [id, payload] each, and what is left over. */
export function takePackets(buf: Buffer): { packets: Array<[number, Buffer]>; rest: Buffer } {
  const packets: Array<[number, Buffer]> = [];
  let off = 0;
  for (;;) {
    const len = readVarInt(buf, off);
    if (!len) break;
    if (len.value < 1 || len.value > MAX_PACKET_BYTES) throw new Error(`a packet of ${len.value} bytes`);
    if (off + len.size + len.value > buf.length) break;
    const body = buf.subarray(off + len.size, off + len.size + len.value);
    const id = readVarInt(body);
    if (!id) throw new Error('a packet without an id');
    packets.push([id.value, body.subarray(id.size)]);
    off += len.size + len.value;
  }
  return { packets, rest: buf.subarray(off) };
}

/** Chat components (a string, or {text, extra: […]}) flattened to plain text, § formatting codes removed. */
/**
 * A text component as plain text: no formatting codes, and no control or
 * other hidden characters (a server's name must not steer the terminal of
 * whoever runs `grid ps`; the coordinator refuses them too). Line breaks stay:
 * a MOTD has two lines; single-line fields drop them in `line`.
 */
export function plainText(c: unknown): string {
  if (typeof c === 'string') return withoutHidden(c.replace(/§./gs, ''), true);
  if (Array.isArray(c)) return c.map(plainText).join('');
  if (c && typeof c === 'object') {
    const o = c as { text?: unknown; extra?: unknown };
    return plainText(o.text ?? '') + (o.extra === undefined ? '' : plainText(o.extra));
  }
  return '';
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);
/** One line of at most n characters. */
const line = (s: string, n: number) => cut(withoutHidden(s), n);
const count = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined);

/** The status JSON, reduced to what health carries (within its schema's limits). */
export function summarize(status: unknown, latencyMs: number | undefined): MinecraftHealth {
  const s = (status ?? {}) as { version?: { name?: unknown; protocol?: unknown }; players?: { online?: unknown; max?: unknown; sample?: unknown }; description?: unknown };
  const out: MinecraftHealth = { reachable: true };
  if (typeof s.version?.name === 'string') out.version = line(plainText(s.version.name), 128);
  if (Number.isInteger(s.version?.protocol)) out.protocol = s.version!.protocol as number;
  const online = count(s.players?.online);
  const max = count(s.players?.max);
  if (online !== undefined) out.playersOnline = online;
  if (max !== undefined) out.playersMax = max;
  if (Array.isArray(s.players?.sample)) {
    out.sample = s.players.sample
      .map((p) => (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string' ? line(plainText((p as { name: string }).name), 64) : ''))
      .filter(Boolean)
      .slice(0, 12);
  }
  if (s.description !== undefined) out.motd = cut(plainText(s.description).trim(), 512);
  if (latencyMs !== undefined) out.latencyMs = Math.round(latencyMs * 10) / 10;
  return out;
}

/** Pings 127.0.0.1:port. Never throws: a server that does not answer is `reachable: false` with why. */
export function pingMinecraft(port: number, timeoutMs = 5_000, host = '127.0.0.1'): Promise<MinecraftHealth> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let status: unknown;
    let statusAt = 0;
    let settled = false;
    const socket = connect({ host, port });
    const finish = (h: MinecraftHealth) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(h);
    };
    const fail = (error: string) => finish(status === undefined ? { reachable: false, error: line(error, 256) } : summarize(status, undefined));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const port16 = Buffer.alloc(2);
      port16.writeUInt16BE(port);
      socket.write(Buffer.concat([packet(0x00, writeVarInt(ANY_PROTOCOL), mcString(host), port16, writeVarInt(1)), packet(0x00)]));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed;
      try {
        parsed = takePackets(buf);
      } catch (err) {
        return fail(`not the Minecraft protocol (${(err as Error).message})`);
      }
      buf = parsed.rest;
      if (buf.length > MAX_PACKET_BYTES) return fail('answer too large');
      for (const [id, payload] of parsed.packets) {
        if (status === undefined) {
          const len = id === 0x00 ? readVarInt(payload) : null;
          if (!len || len.size + len.value !== payload.length) return fail('not the Minecraft protocol (no status answer)');
          try {
            status = JSON.parse(payload.subarray(len.size).toString('utf8'));
          } catch {
            return fail('not the Minecraft protocol (the status is not JSON)');
          }
          statusAt = performance.now();
          const ping = Buffer.alloc(8);
          ping.writeBigInt64BE(BigInt(Date.now()));
          socket.write(packet(0x01, ping));
        } else if (id === 0x01) {
          return finish(summarize(status, performance.now() - statusAt));
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ECONNREFUSED' ? `nothing listens on port ${port}` : (err.code ?? err.message)));
    // Some servers close after the status answer without a pong: still reachable, no latency.
    socket.on('close', () => fail('the server closed the connection'));
  });
}
