/**
 * One integer for agent↔coordinator behaviour. Bump it with a dated line when
 * what one side expects of the other changes.
 *
 * 1 — 2026-12-04: per-process registry, heartbeats and events under /api/v1.
 * 2 — 2026-12-04: the agent link (GET /api/v1/agent/link: hello, then tunnel
 *     frames), private processes, connection records.
 */
export const PROTOCOL_VERSION = 2;
export const API_PREFIX = '/api/v1';
/** The events WebSocket's subprotocol; a browser offers it with `bearer.<token>` (it cannot set an Authorization header). */
export const EVENTS_SUBPROTOCOL = 'gridshare.events';
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';
