import type { ConnectEvent, GridClient, Process } from '@gridshare/protocol';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { resolveGrid } from '../daemon/grid-resolver.js';
import { pickProcess } from '../daemon/process-resolver.js';
import { AgentError, fromApiError } from '../errors.js';
import { type CoordinatorLink, TunnelOpenError } from './coordinator-link.js';
import type { TunnelStream } from './tunnel-stream.js';

export interface ConnectTarget {
  process: Process;
  gridName: string;
  /** The declared port the host will dial. */
  remotePort: number;
  /** What OPEN asks for: 0 (the first declared port) unless the user picked one. */
  requestedPort: number;
}

/**
 * A process of my grids by id, unambiguous name or id prefix (an online one
 * before offline ones of the same name), checked for what would make every
 * connection fail.
 */
export async function resolveConnectTarget(client: GridClient, ref: string, gridRef: string | undefined, port: number | undefined): Promise<ConnectTarget> {
  let rows: Array<{ id: string; name: string; gridId: string; state: string; active: boolean; process: Process; gridName: string }>;
  try {
    const grids = gridRef ? [await resolveGrid(client, gridRef)] : (await client.listGrids()).grids;
    const lists = await Promise.all(
      grids.map(async (g) =>
        (await client.listProcesses(g.id)).processes.map((p) => ({ id: p.id, name: p.name, gridId: g.id, state: p.status, active: p.status === 'online', process: p, gridName: g.name })),
      ),
    );
    rows = lists.flat().filter((r) => r.process.status !== 'stopped');
  } catch (err) {
    throw fromApiError(err);
  }
  const { process: p, gridName } = pickProcess(rows, ref, 'prefer-active', { where: 'in your grids', list: 'grid ps' });
  if (p.status !== 'online') throw new AgentError('process_offline', `'${p.name}' is ${p.status}: its host is not sending heartbeats`);
  if (p.private) throw new AgentError('process_private', `'${p.name}' is private: its host refuses connections`);
  const declared = p.ports.filter((x) => x.protocol === 'tcp').map((x) => x.port);
  if (declared.length === 0) throw new AgentError('port_not_declared', `'${p.name}' declares no TCP port to connect to`);
  if (port !== undefined && !declared.includes(port)) {
    throw new AgentError('port_not_declared', `'${p.name}' declares port ${declared.join(', ')}; --port ${port} is not one of them`);
  }
  return { process: p, gridName, remotePort: port ?? declared[0]!, requestedPort: port ?? 0 };
}

/**
 * `grid connect`: a listener on 127.0.0.1 whose every connection becomes a
 * tunnel stream to the target. Lives until the CLI that asked for it goes away.
 */
export class ConnectSession {
  private readonly active = new Set<TunnelStream>();
  private readonly waiting = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: ConnectTarget,
    private readonly link: CoordinatorLink,
    private readonly emit: (e: ConnectEvent) => void,
    private readonly log: Logger,
  ) {
    server.on('connection', (socket) => this.accepted(socket));
  }

  static async open(link: CoordinatorLink, target: ConnectTarget, localPort: number | undefined, emit: (e: ConnectEvent) => void, log: Logger): Promise<ConnectSession> {
    // Nothing is read from a client before its stream is open: the socket stays paused until then.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    let port: number;
    if (localPort !== undefined) {
      port = await listen(server, localPort).catch((err: NodeJS.ErrnoException) => {
        throw new AgentError('local_port_in_use', `cannot listen on 127.0.0.1:${localPort} (${err.code ?? err.message}); pick another --local-port`);
      });
    } else {
      // The process's own port number when it is free here, so clients need no other setting.
      port = await listen(server, target.remotePort).catch(() => listen(server, 0));
    }
    const session = new ConnectSession(server, port, target, link, emit, log);
    emit({ type: 'listening', port, processId: target.process.id, processName: target.process.name, gridName: target.gridName, remotePort: target.remotePort });
    return session;
  }

  private accepted(socket: Socket): void {
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    this.waiting.add(socket);
    socket.on('error', () => {});
    this.link.openStream(this.target.process.id, this.target.requestedPort, socket).then(
      ({ stream, connectionId }) => {
        this.waiting.delete(socket);
        if (this.closed) return stream.reset('reset', 'grid connect ended');
        this.active.add(stream);
        this.emit({ type: 'opened', client, connectionId });
        void stream.done.then((end) => {
          this.active.delete(stream);
          this.emit({ type: 'closed', client, connectionId, bytesIn: end.bytesSent, bytesOut: end.bytesReceived, reason: end.reason });
        });
      },
      (err: unknown) => {
        this.waiting.delete(socket);
        socket.resetAndDestroy();
        const e = err instanceof TunnelOpenError ? err : new TunnelOpenError('reset', (err as Error).message);
        this.log.warn({ event: 'tunnel.refused', processId: this.target.process.id, code: e.code }, `connection to ${this.target.process.name} refused: ${e.message}`);
        this.emit({ type: 'refused', client, code: e.code, message: e.message });
      },
    );
  }

  /** The CLI went away: no new connections, and the open ones are reset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const s of [...this.active]) s.reset('reset', 'grid connect ended');
    for (const sock of this.waiting) sock.resetAndDestroy();
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}
