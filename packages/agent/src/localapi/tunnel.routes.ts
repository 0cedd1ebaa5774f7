import type { FastifyInstance } from 'fastify';
import { type ConnectEvent, ConnectQuery, GridRef, LocalConnectionsResponse, ProcessRef } from '@gridshare/protocol';
import { Type } from '@sinclair/typebox';
import { PassThrough } from 'node:stream';
import type { Agent } from '../daemon/agent.js';
import { onHangUp } from './hang-up.js';

const ConnectionsQuery = Type.Object(
  { process: Type.Optional(ProcessRef), grid: Type.Optional(GridRef), open: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);
const DisconnectBody = Type.Object(
  { process: ProcessRef, grid: Type.Optional(GridRef), connection: Type.Optional(Type.String({ format: 'uuid' })) },
  { additionalProperties: false },
);

/** `grid connect`, `grid connections`, `grid disconnect`. */
export function tunnelRoutes(app: FastifyInstance, agent: Agent): void {
  // NDJSON, `listening` first, until the CLI hangs up (which closes the listener and its connections).
  app.get<{ Querystring: ConnectQuery }>('/v1/connect', { schema: { querystring: ConnectQuery } }, async (req, reply) => {
    const out = new PassThrough();
    const emit = (e: ConnectEvent) => out.write(`${JSON.stringify(e)}\n`);
    const q = req.query;
    const session = await agent.connect(
      { process: q.process, ...(q.grid ? { grid: q.grid } : {}) },
      q.localPort === undefined ? undefined : Number(q.localPort),
      q.port === undefined ? undefined : Number(q.port),
      emit,
    );
    onHangUp(req.raw, () => {
      session.close();
      out.end();
    });
    reply.type('application/x-ndjson');
    return reply.send(out);
  });

  app.get<{ Querystring: { process?: string; grid?: string; open?: 'true' | 'false' } }>(
    '/v1/connections',
    { schema: { querystring: ConnectionsQuery, response: { 200: LocalConnectionsResponse } } },
    async (req) => {
      const q = req.query;
      return agent.connections(q.process ? { process: q.process, ...(q.grid ? { grid: q.grid } : {}) } : null, q.open === 'true');
    },
  );

  app.post<{ Body: { process: string; grid?: string; connection?: string } }>('/v1/disconnect', { schema: { body: DisconnectBody } }, async (req) => {
    const b = req.body;
    return agent.disconnect({ process: b.process, ...(b.grid ? { grid: b.grid } : {}) }, b.connection);
  });
}
