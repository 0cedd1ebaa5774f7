import { EVENTS_SUBPROTOCOL, type GridEvent, TOKEN_SUBPROTOCOL_PREFIX } from '@gridshare/protocol';
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

/** How a token is sent: the Authorization header (agents, scripts) or the `bearer.<token>` subprotocol (browsers). */
export type TokenVia = 'header' | 'subprotocol';

function connect(url: string, token: string | undefined, via: TokenVia): WebSocket {
  if (token && via === 'subprotocol') return new WebSocket(url, [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`]);
  return new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Opens a grid's events socket, sending the token the way `via` says. */
export function openEvents(url: string, token: string | undefined, via: TokenVia = 'header'): Promise<EventsSocket> {
  const ws = connect(url, token, via);
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

/** The HTTP refusal of a WebSocket upgrade, with its JSON body (openEvents only reports the status); fails if the socket opens. */
export function refusedUpgrade(url: string, token: string | undefined, via: TokenVia = 'header'): Promise<{ status: number; body: unknown }> {
  const ws = connect(url, token, via);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('open', () => {
      ws.close();
      reject(new Error('the WebSocket opened; a refusal was expected'));
    });
    ws.once('error', reject);
  });
}
