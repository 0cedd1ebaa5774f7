import { AuthResponse, Credentials, DeviceListResponse, DeviceParams, Empty, LoginCredentials, MeResponse, NoContent } from '@gridshare/protocol';
import { requireAuth } from '../authenticate.js';
import { type App, BEARER, ERRORS, type Services } from '../route-context.js';

export function authRoutes(app: App, s: Services): void {
  const rateLimit = { max: s.config.authRateLimitPerMinute, timeWindow: 60_000 };

  app.post(
    '/auth/signup',
    {
      config: { rateLimit },
      schema: { tags: ['auth'], summary: 'Create an account and this device', body: Credentials, response: { 201: AuthResponse, ...ERRORS } },
    },
    async (req, reply) => reply.status(201).send(await s.auth.signup(req.body)),
  );

  app.post(
    '/auth/login',
    {
      config: { rateLimit },
      schema: { tags: ['auth'], summary: 'Log in as a new device', body: LoginCredentials, response: { 200: AuthResponse, ...ERRORS } },
    },
    async (req) => s.auth.login(req.body),
  );

  app.post(
    '/auth/logout',
    {
      preHandler: requireAuth(s.auth),
      schema: { tags: ['auth'], summary: 'Revoke this token now', security: BEARER, body: Empty, response: { 204: NoContent, ...ERRORS } },
    },
    async (req, reply) => {
      await s.auth.logout(req.auth);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      preHandler: requireAuth(s.auth),
      schema: { tags: ['auth'], summary: 'Who this token is', security: BEARER, querystring: Empty, response: { 200: MeResponse, ...ERRORS } },
    },
    async (req) => ({ user: req.auth.user, device: req.auth.device }),
  );

  app.get(
    '/devices',
    {
      preHandler: requireAuth(s.auth),
      schema: { tags: ['auth'], summary: 'My logged-in devices, which are online, and which is this one', security: BEARER, querystring: Empty, response: { 200: DeviceListResponse, ...ERRORS } },
    },
    async (req) => ({ devices: await s.auth.listDevices(req.auth) }),
  );

  app.delete(
    '/devices/:deviceId',
    {
      preHandler: requireAuth(s.auth),
      schema: { tags: ['auth'], summary: 'Log a device of mine out everywhere (a lost laptop)', security: BEARER, params: DeviceParams, body: Empty, response: { 204: NoContent, ...ERRORS } },
    },
    async (req, reply) => {
      await s.auth.revokeDevice(req.auth, req.params.deviceId);
      return reply.status(204).send(null);
    },
  );
}
