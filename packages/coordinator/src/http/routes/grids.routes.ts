import {
  CreateGridRequest,
  Empty,
  GridDetailResponse,
  GridIdParams,
  GridListResponse,
  GridResponse,
  MemberParams,
  MemberResponse,
  NoContent,
  UpdateMemberRequest,
} from '@gridshare/protocol';
import { requireAuth } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';

export function gridRoutes(app: App, s: Services): void {
  const preHandler = requireAuth(s.auth);
  const tags = ['grids'];

  app.post(
    '/grids',
    { preHandler, schema: { tags, summary: 'Create a grid (you become its owner)', security: BEARER, body: CreateGridRequest, response: { 201: GridResponse, ...ERRORS } } },
    async (req, reply) => reply.status(201).send({ grid: await s.grids.create(req.auth, req.body.name) }),
  );

  app.get(
    '/grids',
    { preHandler, schema: { tags, summary: 'Your grids, with your role', security: BEARER, querystring: Empty, response: { 200: GridListResponse, ...ERRORS } } },
    async (req) => ({ grids: await s.grids.list(req.auth) }),
  );

  app.get(
    '/grids/:gridId',
    { preHandler, schema: { tags, summary: 'A grid and its members', security: BEARER, params: GridIdParams, querystring: Empty, response: { 200: GridDetailResponse, ...ERRORS } } },
    async (req) => s.grids.get(req.auth, req.params.gridId),
  );

  app.delete(
    '/grids/:gridId/members/:userId',
    { preHandler, schema: { tags, summary: 'Leave (yourself) or remove a member (owner/admin)', security: BEARER, params: MemberParams, body: Empty, response: { 204: NoContent, ...ERRORS } } },
    async (req, reply) => {
      await s.members.remove(req.auth, req.params.gridId, req.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/grids/:gridId/members/:userId',
    {
      preHandler,
      schema: { tags, summary: "Change a member's role (owner); role owner hands ownership over", security: BEARER, params: MemberParams, body: UpdateMemberRequest, response: { 200: MemberResponse, ...ERRORS } },
    },
    async (req) => ({ member: await s.members.setRole(req.auth, req.params.gridId, req.params.userId, req.body.role) }),
  );
}
