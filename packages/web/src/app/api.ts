import { GridClient } from '@gridshare/protocol';

/**
 * The coordinator serves this app, so the API is on the same origin.
 * fetch is wrapped: GridClient calls it as a method of itself, and browsers
 * refuse a window.fetch called with another `this` ("Illegal invocation").
 */
export function createBaseClient(origin = window.location.origin): GridClient {
  return new GridClient({ baseUrl: origin, fetch: (input, init) => window.fetch(input, init) });
}
