import { ApiError, type ErrorCode, GridClient } from '@gridshare/protocol';

type Handler = (body: unknown) => unknown;

/**
 * A GridClient whose fetch answers from a table of "METHOD /path" handlers
 * (paths under /api/v1). A handler throws `apiError(...)` to answer an error.
 */
export function fakeClient(routes: Record<string, Handler>): { client: GridClient; calls: string[] } {
  const calls: string[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const key = `${init?.method ?? 'GET'} ${url.pathname.replace('/api/v1', '')}`;
    calls.push(key);
    const handler = routes[key];
    if (!handler) return json(404, { error: { code: 'not_found', message: `no fake for ${key}` } });
    try {
      const out = handler(init?.body ? JSON.parse(String(init.body)) : undefined);
      return out === undefined ? new Response(null, { status: 204 }) : json(200, out);
    } catch (err) {
      if (err instanceof ApiError) return json(err.status, { error: { code: err.code, message: err.message } });
      throw err;
    }
  };
  return { client: new GridClient({ baseUrl: 'http://localhost', fetch: fetchImpl as typeof fetch }), calls };
}

export function apiError(status: number, code: ErrorCode, message = code): ApiError {
  return new ApiError(status, code, message);
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
