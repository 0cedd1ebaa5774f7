import pino from 'pino';
import { loadAgentConfig } from '../config.js';
import { startLocalApi } from '../localapi/server.js';
import { LocalApiClient } from '../localapi/client.js';
import { Agent } from './agent.js';

/** `grid agent --foreground`: the daemon, in this process. SIGTERM stops the daemon only; processes keep running. */
export async function runAgentForeground(): Promise<void> {
  const config = loadAgentConfig();
  const log = pino({ level: config.logLevel, base: { service: 'agent' } });
  if (await new LocalApiClient(config.paths).isUp()) {
    throw new Error(`an agent is already running for ${config.paths.home}`);
  }
  const agent = new Agent(config, log);
  await agent.start();
  const api = await startLocalApi(agent, config.paths.socket, log);
  log.info({ socket: config.paths.socket, pid: process.pid }, `agent listening on ${config.paths.socket}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'agent stopping; processes keep running');
    (async () => {
      await api.close().catch(() => {});
      await agent.stop();
      process.exit(0);
    })().catch((err: unknown) => {
      log.error({ err }, 'the agent could not stop cleanly');
      process.exit(1);
    });
  };
  // A supervisor that dies takes every heartbeat with it: a promise nobody handled is a bug to log, not a reason to stop.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (a bug); the agent carries on'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
