import type { ErrorBody } from '@gridshare/protocol';
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';

/** The plain-GET handler of a WebSocket route: 426 in our error shape, saying how to connect. */
export async function websocketOnly(_req: unknown, reply: FastifyReply): Promise<ErrorBody> {
  const e = new AppError('upgrade_required', 'this endpoint is a WebSocket: connect with an Upgrade: websocket request');
  void reply.status(e.status).header('upgrade', 'websocket');
  return { error: { code: e.code, message: e.message } };
}
