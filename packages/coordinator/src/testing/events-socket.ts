import type { GridEvent } from '@gridshare/protocol';
import WebSocket from 'ws';

export interface EventsSocket {
  /** Every message so far, in order. */
  events: GridEvent[];
  /** Resolves with the first message (already received or to come) after index `from` that matches. */
  next(match: (e: GridEvent) => boolean, timeoutMs?: number, from?: number): Promise<GridEvent>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
  ws: WebSocket;
}

/** Opens a grid's events socket; the token goes in the Authorization header (or the query with `viaQuery`). */
export function openEvents(url: string, token: string | undefined, viaQuery = false): Promise<EventsSocket> {
  const target = new URL(url);
  if (viaQuery && token) target.searchParams.set('token', token);
  const headers: Record<string, string> = token && !viaQuery ? { authorization: `Bearer ${token}` } : {};
  const ws = new WebSocket(target, { headers });
  const events: GridEvent[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    events.push(JSON.parse(data.toString()) as GridEvent);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of [...waiters]) w();
    }),
  );
  const sock: EventsSocket = {
    events,
    ws,
    closed,
    close: () => ws.close(),
    next(match, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(sock));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}
