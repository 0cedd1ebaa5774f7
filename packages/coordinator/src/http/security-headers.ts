import type { App } from './route-context.js';

/**
 * The web app's pages may load only what the coordinator serves, talk only to
 * it (its API and events socket), and never be framed (clickjacking a Force
 * stop or a Remove). React sets styles through the DOM, which style-src does
 * not restrict, so nothing inline is needed.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Every answer: no content sniffing, no referrer; HTML pages also get PAGE_POLICY and no framing. */
export function securityHeaders(app: App): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header('content-security-policy', PAGE_POLICY).header('x-frame-options', 'DENY');
    }
    return payload;
  });
}
