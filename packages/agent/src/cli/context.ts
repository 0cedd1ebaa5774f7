import { loadAgentConfig } from '../config.js';
import { LocalApiClient, LocalApiError } from '../localapi/client.js';

/** The agent, started in the background if needed. */
export async function agentClient(): Promise<LocalApiClient> {
  const config = loadAgentConfig();
  const client = new LocalApiClient(config.paths);
  await client.ensureAgent(() => process.stderr.write('starting the grid agent in the background…\n'));
  return client;
}

/** Wraps a command: any failure is one line on stderr and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const message = err instanceof LocalApiError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`grid: ${message}\n`);
      process.exit(1);
    }
  };
}
