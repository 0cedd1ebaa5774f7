import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './route-context.js';

/** The built web app, beside this package in the repository (packages/web/dist). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * Serves the web app's built files at / when they exist. Paths the app routes
 * itself (/grids/…) get index.html; /api, /healthz and friends are untouched.
 * Returns whether it is serving.
 */
export async function serveWebApp(app: App, root: string | null | undefined): Promise<boolean> {
  if (root === null) return false;
  const dir = root ?? DEFAULT_WEB_ROOT;
  if (!existsSync(join(dir, 'index.html'))) return false;
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: ['index.html'] });
  return true;
}

/** A GET for a page of the single-page app (not the API or an asset). */
export function isAppRoute(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = url.split('?')[0] ?? '';
  return !/^\/(api|healthz|readyz|metrics)(\/|$)/.test(path) && !/\.[a-z0-9]+$/i.test(path);
}
