import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Strings PostgreSQL cannot store as sent: NUL (text and jsonb refuse it) and
 * unpaired surrogates (text silently replaces them, jsonb refuses them). Keys
 * like __proto__ are refused too, so no body can reach an object's prototype.
 * Returns the path of the first offender.
 */
export function findUnstorable(value: unknown, path = 'body'): string | null {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed() ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnstorable(value[i], `${path}/${i}`);
      if (bad) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__' || findUnstorable(k) !== null) return `${path} (key '${k.replace(/[^\x20-\x7e]/g, '?')}')`;
      const bad = findUnstorable(v, `${path}/${k}`);
      if (bad) return bad;
    }
  }
  return null;
}

/** Far deeper than any request of ours (the deepest, a heartbeat with Minecraft players, nests 4 levels): refused before anything walks it. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed body nests arrays and objects deeper than `max` (without recursion: any depth is safe to ask about). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * JSON bodies only: an empty body counts as no body (so DELETE and heartbeat
 * may omit theirs), a body that is not JSON is a clear 400, and every other
 * content type is 415.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // Read as UTF-8 and never decompressed: anything else would be read as something it is not.
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.trim().toLowerCase() !== 'identity') return done(new AppError('unsupported_media_type', `bodies are plain JSON; Content-Encoding ${encoding} is not accepted`), undefined);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) return done(new AppError('unsupported_media_type', `bodies are UTF-8 JSON; charset ${charset} is not accepted`), undefined);
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(new AppError('invalid_json', 'the request body is not valid JSON'), undefined);
    }
    if (nestedDeeperThan(parsed, MAX_BODY_DEPTH)) return done(new AppError('validation_failed', `the request body is nested deeper than ${MAX_BODY_DEPTH} levels`), undefined);
    const bad = findUnstorable(parsed);
    if (bad) return done(new AppError('validation_failed', `${bad} has a character that cannot be stored (NUL, a lone surrogate, or a __proto__ key)`), undefined);
    done(null, parsed);
  });
  // Routes whose body fields are all optional accept no body at all.
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.routeOptions.schema?.body) req.body = {};
  });
  // UUIDs are accepted in any case and used in lower case, as the database returns them.
  app.addHook('preHandler', async (req) => {
    const params = req.params as Record<string, unknown> | undefined;
    if (params) for (const k of ['gridId', 'processId', 'userId', 'connectionId']) if (typeof params[k] === 'string') params[k] = (params[k] as string).toLowerCase();
    const body = req.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && typeof body.id === 'string') body.id = body.id.toLowerCase();
  });
}
