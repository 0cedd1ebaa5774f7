import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIR = join(REPO, 'packages/web');
export const SCREENSHOTS = join(REPO, 'docs/screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** null when Chromium can run here; else why not. Under CI=true a missing Chromium is a failure, not a skip. */
export function chromiumProblem(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Builds the web app into `outDir` with Vite (the same build `npm run build` makes). */
export async function buildWebApp(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const vite = join(REPO, 'node_modules/vite/bin/vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { cwd: WEB_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * The built app on one origin with the coordinator's API: files from `root`
 * (index.html for app routes), /api and its WebSockets passed through to the
 * coordinator. The coordinator can serve the app itself (GRID_WEB_ROOT), but
 * today it fails to start when it does (it sets its not-found handler twice),
 * so the test serves the files in front of it, the way a reverse proxy would.
 */
export interface Front {
  url: string;
  /** Cuts the browser off from the coordinator (open sockets dropped, new ones refused) until called with false. */
  cutOff(on: boolean): void;
  close(): Promise<void>;
}

export async function startFront(root: string, coordinatorUrl: () => string): Promise<Front> {
  let cut = false;
  const tunnels = new Set<{ destroy(): void }>();
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (/^\/(api|healthz|readyz|metrics)(\/|$)/.test(path)) {
      if (cut) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"service_unavailable","message":"cut off"}}');
        return;
      }
      const target = new URL(req.url ?? '/', coordinatorUrl());
      const up = request(target, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"service_unavailable","message":"coordinator down"}}');
      });
      req.pipe(up);
      return;
    }
    const file = normalize(join(root, decodeURIComponent(path)));
    const isFile = file.startsWith(root) && extname(file) !== '' && (await stat(file).catch(() => null))?.isFile();
    const chosen = isFile ? file : join(root, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(chosen)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(await readFile(chosen));
  });
  // WebSockets: pipe the raw upgrade through, so close frames and drops reach the browser as they are.
  server.on('upgrade', (req, socket, head) => {
    if (cut) {
      socket.destroy();
      return;
    }
    const target = new URL(coordinatorUrl());
    const up = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const end = () => {
      tunnels.delete(tunnel);
      up.destroy();
      socket.destroy();
    };
    const tunnel = { destroy: end };
    tunnels.add(tunnel);
    up.on('error', end);
    up.on('close', end);
    socket.on('error', end);
    socket.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    cutOff(on) {
      cut = on;
      if (on) for (const t of [...tunnels]) t.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
