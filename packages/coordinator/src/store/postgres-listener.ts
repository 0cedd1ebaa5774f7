import pg from 'pg';
import type { ListenHandlers, Subscription } from './database.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
/** Shown in pg_stat_activity, so an operator can tell this connection apart. */
export const LISTENER_APPLICATION_NAME = 'gridshare-listen';

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to others).
 * When it drops (server restart, a terminated backend), it reconnects with
 * backoff and then calls `resumed`, since notifications in between are lost.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
  onError: (err: Error) => void,
): Promise<Subscription> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: LISTENER_APPLICATION_NAME });
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) handlers.message(n.payload);
    });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    retryMs = RETRY_MIN_MS;
  };

  const lost = (c: pg.Client, err?: Error): void => {
    if (client !== c || closed) return;
    client = undefined;
    if (err) onError(err);
    void c.end().catch(() => {});
    retry();
  };

  const retry = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      connect().then(
        () => {
          if (!closed) handlers.resumed();
        },
        (err: unknown) => {
          onError(err as Error);
          retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
          if (!closed) retry();
        },
      );
    }, retryMs);
    timer.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
