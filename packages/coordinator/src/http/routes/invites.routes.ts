import { CreateInviteRequest, Empty, GridIdParams, GridResponse, InviteListResponse, InviteParams, InviteResponse, JoinRequest, NoContent } from '@gridshare/protocol';
import { requireAuth } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';

export function inviteRoutes(app: App, s: Services): void {
  const preHandler = requireAuth(s.auth);
  const tags = ['invites'];

  app.post(
    '/grids/:gridId/invites',
    { preHandler, schema: { tags, summary: 'Create an invite code (owner/admin)', security: BEARER, params: GridIdParams, body: CreateInviteRequest, response: { 201: InviteResponse, ...ERRORS } } },
    async (req, reply) => reply.status(201).send({ invite: await s.invites.create(req.auth, req.params.gridId, req.body) }),
  );

  app.get(
    '/grids/:gridId/invites',
    { preHandler, schema: { tags, summary: "A grid's invites (owner/admin)", security: BEARER, params: GridIdParams, querystring: Empty, response: { 200: InviteListResponse, ...ERRORS } } },
    async (req) => ({ invites: await s.invites.list(req.auth, req.params.gridId) }),
  );

  app.delete(
    '/grids/:gridId/invites/:code',
    { preHandler, schema: { tags, summary: 'Revoke an invite (owner/admin)', security: BEARER, params: InviteParams, body: Empty, response: { 204: NoContent, ...ERRORS } } },
    async (req, reply) => {
      await s.invites.revoke(req.auth, req.params.gridId, req.params.code);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/grids/join',
    {
      preHandler,
      config: { rateLimit: { max: s.config.authRateLimitPerMinute, timeWindow: 60_000 } },
      schema: { tags, summary: 'Join a grid with an invite code', security: BEARER, body: JoinRequest, response: { 200: GridResponse, ...ERRORS } },
    },
    async (req) => ({ grid: await s.invites.join(req.auth, req.body.code) }),
  );
}
