import { Type, type Static } from '@sinclair/typebox';

/**
 * Every error code the API can answer with, and the HTTP status that goes
 * with it. Clients branch on `code`, never on `message`.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  grid_not_found: 404,
  member_not_found: 404,
  process_not_found: 404,
  invite_not_found: 404,
  connection_not_found: 404,
  device_not_found: 404,
  username_taken: 409,
  process_id_conflict: 409,
  owner_must_transfer: 409,
  process_limit: 409,
  invite_expired: 410,
  invite_used_up: 410,
  invite_revoked: 410,
  process_stopped: 410,
  payload_too_large: 413,
  headers_too_large: 431,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
      message: Type.String(),
    }),
  },
  { $id: 'ErrorBody', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Codes worth retrying as they are (the same request may succeed later). */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'rate_limited',
  'service_unavailable',
  'internal_error',
]);
