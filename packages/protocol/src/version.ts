/**
 * One integer for agent↔coordinator behaviour. Bump it with a dated line when
 * what one side expects of the other changes.
 *
 * 1 — 2026-12-04: per-process registry, heartbeats and events under /api/v1.
 */
export const PROTOCOL_VERSION = 1;
export const API_PREFIX = '/api/v1';
