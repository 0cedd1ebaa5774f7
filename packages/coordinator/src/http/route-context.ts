import type { FastifyInstance, FastifyBaseLogger, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@gridshare/protocol';
import type { CoordinatorConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { AuthService } from '../services/auth.service.js';
import type { GridService } from '../services/grid.service.js';
import type { InviteService } from '../services/invite.service.js';
import type { LivenessService } from '../services/liveness.service.js';
import type { MemberService } from '../services/member.service.js';
import type { PresenceService } from '../services/presence.service.js';
import type { ProcessService } from '../services/process.service.js';
import type { TunnelService } from '../services/tunnel.service.js';
import type { Database } from '../store/database.js';
import type { GridAccess } from '../services/grid-access.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Everything routes may hand work to. */
export interface Services {
  config: CoordinatorConfig;
  db: Database;
  bus: EventBus;
  metrics: Metrics;
  access: GridAccess;
  auth: AuthService;
  grids: GridService;
  invites: InviteService;
  members: MemberService;
  processes: ProcessService;
  liveness: LivenessService;
  presence: PresenceService;
  tunnels: TunnelService;
}

/** Error answers every authenticated route can give, for the OpenAPI document and serialization. */
export const ERRORS = { '4xx': ErrorBody, '5xx': ErrorBody } as const;
export const BEARER = [{ bearerAuth: [] }];
