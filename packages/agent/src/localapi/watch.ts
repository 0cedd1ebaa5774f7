import { type GridClient, tryParseJson } from '@gridshare/protocol';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import WebSocket from 'ws';
import { onHangUp } from './hang-up.js';

/**
 * `grid ps --watch`: the coordinator's events for each grid, relayed as NDJSON
 * (one JSON event a line, each with its gridId). Reconnects by itself; the CLI
 * redraws on every line.
 */
export function watchGrids(client: GridClient, gridIds: string[], req: IncomingMessage): Readable {
  const out = new PassThrough();
  const sockets = new Set<WebSocket>();
  let closed = false;
  const connect = (gridId: string, attempt = 0) => {
    if (closed) return;
    const ws = new WebSocket(client.eventsUrl(gridId), { headers: { authorization: `Bearer ${client.token}` } });
    sockets.add(ws);
    ws.on('open', () => (attempt = 0));
    ws.on('message', (data: Buffer) => {
      const event = tryParseJson(data);
      if (event && typeof event === 'object' && !Array.isArray(event)) out.write(`${JSON.stringify({ gridId, ...event })}\n`);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      sockets.delete(ws);
      if (closed) return;
      out.write(`${JSON.stringify({ gridId, type: 'disconnected' })}\n`);
      setTimeout(() => connect(gridId, attempt + 1), Math.min(10_000, 500 * 2 ** attempt));
    });
  };
  onHangUp(req, () => {
    closed = true;
    for (const ws of sockets) ws.close();
    out.end();
  });
  gridIds.forEach((g) => connect(g));
  return out;
}
