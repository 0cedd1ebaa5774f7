import type { IncomingMessage } from 'node:http';

/**
 * Calls `done` once the CLI hangs up — at once if it already has: a route that
 * awaited the coordinator first would otherwise miss the 'close' and keep a
 * `grid connect` listener or a `ps --watch` feed open for nobody.
 */
export function onHangUp(req: IncomingMessage, done: () => void): void {
  if (req.socket.destroyed) return done();
  req.once('close', done);
}
