import { CLOSE_CODES, type GridEvent, GridIdParams } from '@gridshare/protocol';
import type { WebSocket } from 'ws';
import { AppError } from '../../errors.js';
import { GridsRepository } from '../../store/grids.repository.js';
import { bearerToken, refuseTokenInUrl } from '../authenticate.js';
import { type App, ERRORS, type Services } from '../route-context.js';

/** A reader this far behind is cut off; it reconnects and gets a fresh snapshot. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_CLIENT_MESSAGE_BYTES = 4096;

export function eventRoutes(app: App, s: Services): void {
  const grids = new GridsRepository(s.db);

  app.route({
    method: 'GET',
    url: '/grids/:gridId/events',
    // handler + wsHandler (rather than websocket: true, which hides the route from the OpenAPI document).
    // Auth and membership are checked before the upgrade, so a refusal is a plain HTTP 400/401/404.
    preValidation: refuseTokenInUrl,
    preHandler: async (req) => {
      req.auth = await s.auth.authenticate(bearerToken(req, true));
      await s.access.requireMember((req.params as GridIdParams).gridId, req.auth.user.id);
    },
    // No querystring: the API's default (none) applies.
    schema: {
      tags: ['events'],
      summary: 'WebSocket: a snapshot, then one message per process or member change',
      params: GridIdParams,
      response: { ...ERRORS },
    },
    // A plain GET (no upgrade) gets an answer in our error shape.
    handler: async (_req, reply) =>
      reply.status(426).header('upgrade', 'websocket').send({ error: { code: 'upgrade_required', message: 'this endpoint is a WebSocket: connect with an Upgrade: websocket request' } }),
    wsHandler: (socket: WebSocket, req) => {
      const { gridId } = req.params as GridIdParams;
      const auth = req.auth;
      let ready = false;
      const early: GridEvent[] = [];
      const send = (event: GridEvent) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'too far behind; reconnect for a fresh snapshot');
          return;
        }
        socket.send(JSON.stringify(event));
      };
      // Events that happen while a snapshot is read are held back and sent after it.
      const snapshot = async () => {
        ready = false;
        try {
          await s.access.requireMember(gridId, auth.user.id);
          const [processes, members, devices] = await Promise.all([
            s.processes.repository.list(gridId),
            grids.listMembers(gridId),
            s.presence.repository.listForGrid(gridId),
          ]);
          send({ type: 'snapshot', processes, members, devices });
          ready = true;
          for (const e of early.splice(0)) send(e);
        } catch (err) {
          const code = err instanceof AppError && err.code === 'grid_not_found' ? CLOSE_CODES.notMember : 1011;
          req.log.warn({ err, gridId }, 'events snapshot failed');
          socket.close(code, 'could not load the grid; reconnect');
        }
      };
      const unsubscribe = s.bus.subscribe(gridId, {
        userId: auth.user.id,
        tokenHash: auth.tokenHash,
        send: (event) => (ready ? send(event) : early.push(event)),
        close: (code, reason) => socket.close(code, reason),
        resync: () => void snapshot(),
      });

      let alive = true;
      socket.on('pong', () => (alive = true));
      const ping = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, s.config.wsPingIntervalMs);
      socket.on('close', () => {
        clearInterval(ping);
        unsubscribe();
      });
      // A browser is a device too: online while it watches a grid.
      s.presence.trackSocket(socket, auth);
      // Clients only listen; anything they send is ignored (the server's frame limit is the agent link's, so big ones close).
      socket.on('message', (data: Buffer) => {
        if (data.length > MAX_CLIENT_MESSAGE_BYTES) socket.close(1009, 'message too big');
      });

      void snapshot();
    },
  });
}
