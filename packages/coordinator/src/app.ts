import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { API_PREFIX, CLOSE_CODES, Empty, EVENTS_SUBPROTOCOL, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@gridshare/protocol';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { CoordinatorConfig } from './config.js';
import { AppError } from './errors.js';
import { routeNotFound, websocketErrors } from './http/error-handler.js';
import { createHttpServer } from './http/server.js';
import { securityHeaders } from './http/security-headers.js';
import { isAppRoute, serveWebApp } from './http/web-app.js';
import type { App, Services } from './http/route-context.js';
import { authRoutes } from './http/routes/auth.routes.js';
import { eventRoutes } from './http/routes/events.routes.js';
import { gridRoutes } from './http/routes/grids.routes.js';
import { inviteRoutes } from './http/routes/invites.routes.js';
import { opsRoutes } from './http/routes/ops.routes.js';
import { processRoutes } from './http/routes/processes.routes.js';
import { clusterRoutes } from './http/routes/cluster.routes.js';
import { connectionRoutes } from './http/routes/connections.routes.js';
import { linkRoutes } from './http/routes/link.routes.js';
import { createMetrics, registerTunnelMetrics } from './metrics.js';
import { ClusterFanout } from './realtime/cluster-fanout.js';
import { EventBus } from './realtime/event-bus.js';
import { AuthService } from './services/auth.service.js';
import { GridAccess } from './services/grid-access.js';
import { GridService } from './services/grid.service.js';
import { InviteService } from './services/invite.service.js';
import { LivenessService } from './services/liveness.service.js';
import { MemberService } from './services/member.service.js';
import { PresenceService } from './services/presence.service.js';
import { ProcessService } from './services/process.service.js';
import { TunnelService } from './services/tunnel.service.js';
import type { Database } from './store/database.js';
import { pingDatabase } from './store/database-ping.js';
import { ProcessesRepository } from './store/processes.repository.js';

export interface Coordinator {
  app: App;
  services: Services;
  /** Listens on config.host:config.port; resolves to the address. */
  listen(): Promise<string>;
  /** Stops accepting, closes sockets, flushes pending heartbeats, closes the database. */
  close(): Promise<void>;
}

export function createLogger(config: CoordinatorConfig): Logger {
  return pino({ level: config.logLevel, base: { service: 'coordinator' } });
}

export interface CoordinatorOptions {
  logger?: Logger;
  /** Close the database with the coordinator (default true; tests that restart a coordinator keep it). */
  closeDatabase?: boolean;
}

/** Wires services and routes around an open, migrated database. */
export async function createCoordinator(config: CoordinatorConfig, db: Database, opts: CoordinatorOptions = {}): Promise<Coordinator> {
  const log = opts.logger ?? createLogger(config);
  const bus = new EventBus();
  const metrics = createMetrics(() => new ProcessesRepository(db).countByStatus());
  const access = new GridAccess(db);
  const processes = new ProcessService(db, access, bus, log, config, metrics);
  const tunnels = new TunnelService(db, access, processes, bus, config, log);
  registerTunnelMetrics(metrics.registry, () => tunnels.relay.stats());
  // A device's presence lease is the stale window of a process: the same time to notice a PC that went away.
  const presence = new PresenceService(db, bus, config.staleAfterMs, log);
  const services: Services = {
    config,
    db,
    bus,
    metrics,
    access,
    auth: new AuthService(db, bus, log, config.tokenCacheMs),
    grids: new GridService(db, access, presence.repository, log),
    invites: new InviteService(db, access, bus, presence, log),
    members: new MemberService(db, processes, tunnels, bus, log),
    processes,
    liveness: new LivenessService(processes, config, log, () => pingDatabase(db)),
    presence,
    tunnels,
  };

  const cluster = await startClusterFanout(db, services, log);

  const app = createHttpServer(config, log, metrics);
  // Fastify takes one not-found handler per context: the web app's pages, or our 404.
  const servingWeb = await serveWebApp(app, config.webRoot);
  app.setNotFoundHandler((req, reply) =>
    servingWeb && isAppRoute(req.method, req.url) ? reply.type('text/html').sendFile('index.html') : routeNotFound(req, reply),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'Gridshare coordinator API', version: `${PROTOCOL_VERSION}` },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new AppError('rate_limited', `too many attempts; try again in ${ctx.after}`),
  });
  // The largest message any socket may send is one tunnel frame (the events socket closes on anything over 4 KiB itself).
  await app.register(websocket, {
    options: {
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      // A browser that offers subprotocols must get one back: ours (never the token it carries alongside).
      handleProtocols: (offered) => (offered.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false),
    },
    errorHandler: (err, socket, req) => websocketErrors(err, socket, req) });

  securityHeaders(app);
  opsRoutes(app, services);
  await app.register(
    async (api) => {
      // A route that names no query parameters takes none: `?anything` is a 400 there too, never silently ignored.
      api.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, querystring: route.schema?.querystring ?? Empty };
      });
      const typed = api.withTypeProvider<TypeBoxTypeProvider>();
      authRoutes(typed, services);
      gridRoutes(typed, services);
      inviteRoutes(typed, services);
      processRoutes(typed, services);
      eventRoutes(typed, services);
      linkRoutes(typed, services);
      connectionRoutes(typed, services);
      clusterRoutes(typed, services);
      typed.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );

  app.addHook('onClose', async () => {
    // First: the sockets closing below must not mark their devices offline (their leases outlive a restart).
    await presence.stop();
    await tunnels.peers.leave();
    await tunnels.stop();
    bus.closeAll(CLOSE_CODES.shuttingDown, 'coordinator shutting down');
    await cluster?.stop();
    await services.liveness.stop();
    if (opts.closeDatabase !== false) await db.close();
  });

  return {
    app,
    services,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      services.liveness.start();
      services.tunnels.start();
      services.presence.start();
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const anyAddress = config.host === '0.0.0.0' || config.host === '::';
      const host = anyAddress ? 'localhost' : config.host;
      const own = (h: string) => `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
      if (cluster) {
        // Peers reach us at GRID_CLUSTER_URL, or at this machine's name when we listen on every address.
        const url = config.clusterUrl ?? own(anyAddress ? hostname() : config.host);
        await services.tunnels.peers.join({ id: cluster.origin, url, secret: randomBytes(32).toString('base64url') }, db);
      }
      return own(host);
    },
    close: () => app.close(),
  };
}

/**
 * On PostgreSQL, other coordinators may share the database: what one tells its
 * sockets, the others tell theirs (events, removals, logouts).
 */
async function startClusterFanout(db: Database, s: Services, log: Logger): Promise<ClusterFanout | null> {
  if (!db.listen) return null;
  const cluster = new ClusterFanout(db, log);
  await cluster.start({
    message: (m) => {
      switch (m.kind) {
        case 'event':
          // A process stopped or made private elsewhere: its streams relayed here end too.
          if (m.event.type === 'process') s.tunnels.processChanged(m.event.process);
          return s.bus.deliverHere(m.gridId, m.event);
        case 'process':
          return void s.processes.repository.find(m.processId).then(
            (process) => {
              if (!process) return;
              s.tunnels.processChanged(process);
              s.bus.deliverHere(m.gridId, { type: 'process', process });
            },
            (err: unknown) => log.warn({ err, processId: m.processId }, 'could not read a process another coordinator changed'),
          );
        case 'member_gone':
          s.tunnels.closeForMember(m.gridId, m.userId);
          return s.bus.disconnectUserHere(m.gridId, m.userId, m.code, m.reason);
        case 'connections_closed':
          return s.tunnels.closeRelayedHere(m.processId, m.connectionId, m.message);
        case 'token_revoked':
          s.auth.forgetToken(m.tokenHash);
          return s.bus.disconnectTokenHere(m.tokenHash, m.code, m.reason);
      }
    },
    // Events of other coordinators may have been missed meanwhile: every socket here gets a fresh snapshot.
    resumed: () => s.bus.resyncAll(),
  });
  s.bus.fanout = cluster;
  return cluster;
}
