import type { WebSocket } from 'ws';

/**
 * Pings a WebSocket every `everyMs` and cuts it off when the previous ping
 * went unanswered (a peer that vanished without closing). Stops by itself when
 * the socket closes.
 */
export function keepAlive(socket: WebSocket, everyMs: number): void {
  let alive = true;
  socket.on('pong', () => (alive = true));
  const timer = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}
