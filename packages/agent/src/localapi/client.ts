import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryParseJson } from '@gridshare/protocol';
import { withoutSecrets } from '../config.js';
import type { AgentPaths } from '../paths.js';

/** An error answer from the agent (or no agent at all): the CLI prints `message` and exits non-zero. */
export class LocalApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

/** The error an agent's 4xx/5xx answer carries (its own words when it sent our error shape). */
export function answerError(status: number, text: string): LocalApiError {
  const e = (tryParseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof e?.code === 'string' ? e.code : 'error';
  const message = typeof e?.message === 'string' ? e.message : `the agent answered HTTP ${status}`;
  return new LocalApiError(code, message, status);
}

const GRID_BIN = fileURLToPath(new URL('../../bin/grid.js', import.meta.url));

/** The CLI's side of the unix socket. It never touches processes or state files itself. */
export class LocalApiClient {
  constructor(private readonly paths: AgentPaths) {}

  /** Raw response (for streams). */
  raw(method: string, path: string, body?: unknown): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.paths.socket,
          method,
          path,
          headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
        },
        resolve,
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: IncomingMessage;
    try {
      res = await this.raw(method, path, body ?? (method === 'POST' ? {} : undefined));
    } catch (err) {
      throw new LocalApiError('agent_unreachable', `cannot reach the agent at ${this.paths.socket}: ${(err as Error).message}`);
    }
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status === 204) return undefined as T;
    if (status >= 400) throw answerError(status, text);
    const json = text ? tryParseJson(text) : undefined;
    if (text && json === undefined) throw new LocalApiError('agent_unreachable', `the agent at ${this.paths.socket} gave an answer that is not JSON`, status);
    return json as T;
  }

  async isUp(): Promise<boolean> {
    try {
      await this.call('GET', '/v1/status');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts `grid agent` in the background when it is not running, and waits
   * for its socket — or for it to exit, when it cannot start (a corrupt state
   * file): then its own reason is the message.
   */
  async ensureAgent(onStart?: () => void): Promise<void> {
    if (await this.isUp()) return;
    onStart?.();
    await mkdir(dirname(this.paths.agentLog), { recursive: true, mode: 0o700 });
    const log = await open(this.paths.agentLog, 'a', 0o600);
    const logStart = (await log.stat()).size;
    let exit: { code: number | null } | undefined;
    try {
      const child = spawn(process.execPath, [GRID_BIN, 'agent', '--foreground'], {
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        env: withoutSecrets(process.env),
      });
      child.once('exit', (code) => (exit = { code }));
      child.unref();
    } finally {
      await log.close();
    }
    const until = Date.now() + 15_000;
    while (Date.now() < until && !exit) {
      if (await this.isUp()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (await this.isUp()) return; // it exited because another one had just started
    const output = (await readFile(this.paths.agentLog).catch(() => Buffer.alloc(0))).subarray(logStart).toString('utf8');
    const reason = startFailure(output);
    if (exit && reason) throw new LocalApiError('agent_unreachable', `the agent could not start: ${reason}`);
    const what = exit ? `exited as it started (${exit.code === null ? 'killed by a signal' : `exit code ${exit.code}`})` : 'did not start within 15 s';
    throw new LocalApiError('agent_unreachable', `the agent ${what}${reason ? ` (${reason})` : ''}; see ${this.paths.agentLog}`);
  }
}

/** Why a starting agent gave up: the `grid: …` line its command printed, or the last error it logged. */
export function startFailure(output: string): string | null {
  for (const line of output.split('\n').map((l) => l.trim()).filter(Boolean).reverse()) {
    if (line.startsWith('grid: ')) return line.slice('grid: '.length);
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((j.level ?? 0) >= 50) return j.err?.message ?? j.msg ?? null;
    } catch {
      // not a log record: a stack trace, say
    }
  }
  return null;
}
