import type { LocalProcess } from '@gridshare/protocol';
import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { CoordinatorLink, HostOpen } from './coordinator-link.js';

/** A local process that does not accept within this long is refused as dial_failed. */
const DIAL_TIMEOUT_MS = 5_000;

/**
 * As host: the coordinator asks for a stream to one of our processes. We
 * check again what the coordinator checked — our own, live, not private, and
 * the port one it declared — and only then dial 127.0.0.1:<that port>. A
 * guest never picks an undeclared port, whatever reaches us.
 */
export function dialForHost(link: CoordinatorLink, req: HostOpen, find: (processId: string) => { live: boolean; record: LocalProcess } | undefined, log: Logger): void {
  const refuse = (code: Parameters<CoordinatorLink['refuse']>[1], message: string) => {
    log.warn({ event: 'tunnel.refused', processId: req.processId, port: req.port, code }, `tunnel to ${req.processId} refused: ${message}`);
    link.refuse(req.sid, code, message);
  };
  const mp = find(req.processId);
  if (!mp) return refuse('process_not_found', 'that process is not on this PC');
  if (!mp.live) return refuse('process_offline', `'${mp.record.name}' is not running`);
  if (mp.record.spec.private) return refuse('process_private', `'${mp.record.name}' is private`);
  const declared = mp.record.spec.ports.filter((p) => p.protocol === 'tcp').map((p) => p.port);
  if (!declared.includes(req.port)) return refuse('port_not_declared', `'${mp.record.name}' does not declare port ${req.port}`);

  const socket = connect({ host: '127.0.0.1', port: req.port, allowHalfOpen: true });
  const timer = setTimeout(() => fail(new Error('timed out')), DIAL_TIMEOUT_MS);
  const fail = (err: Error) => {
    clearTimeout(timer);
    socket.destroy();
    if (link.stillDialing(req.sid)) refuse('dial_failed', `nothing answers on 127.0.0.1:${req.port} (${(err as NodeJS.ErrnoException).code ?? err.message})`);
  };
  socket.once('error', fail);
  link.dialingFor(req.sid, () => {
    clearTimeout(timer);
    socket.destroy();
  });
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', fail);
    if (!link.stillDialing(req.sid)) return void socket.destroy();
    const stream = link.accept(req.sid, socket);
    log.info({ event: 'tunnel.opened', processId: req.processId, port: req.port, connectionId: req.connectionId }, `connection ${req.connectionId} to ${mp.record.name}:${req.port} opened`);
    void stream.done.then((end) =>
      log.info({ event: 'tunnel.closed', connectionId: req.connectionId, reason: end.reason, bytesIn: end.bytesReceived, bytesOut: end.bytesSent }, `connection ${req.connectionId} closed (${end.reason})`),
    );
  });
}
