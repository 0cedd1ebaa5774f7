import { createServer, type Server } from 'node:http';

/**
 * The ceiling: a bare node:http server that reads the body and answers the
 * coordinator's heartbeat response, doing no other work. On this machine the
 * load generator, not this server, is what limits it (the report says how
 * busy each was), so a server whose answers cost the generator less to read
 * can come out a little above it.
 */
export function createCeilingServer(answer: { status: 'online'; heartbeatIntervalMs: number; staleAfterMs: number }): Server {
  const body = Buffer.from(JSON.stringify(answer));
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  });
  // Fastify's default, so idle keep-alive sockets live as long as they do there.
  server.keepAliveTimeout = 72_000;
  return server;
}
