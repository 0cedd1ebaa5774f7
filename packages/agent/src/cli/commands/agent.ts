import type { AgentStatus } from '@gridshare/protocol';
import type { Command } from 'commander';
import { loadAgentConfig } from '../../config.js';
import { LocalApiClient, LocalApiError } from '../../localapi/client.js';
import { action } from '../context.js';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run the agent daemon (one per PC and user); other commands start it when needed')
    .option('--foreground', 'run in this terminal instead of the background')
    .option('--stop', 'stop the running daemon (its processes keep running)')
    .addHelpText('after', '\nStopping the daemon (--stop, or SIGTERM) stops it only: its processes keep running, and their heartbeats resume when it starts again.')
    .action(
      action(async (opts: { foreground?: boolean; stop?: boolean }) => {
        if (opts.foreground && opts.stop) throw new LocalApiError('validation_failed', '--foreground and --stop do not go together');
        if (opts.foreground) return (await import('../../daemon/main.js')).runAgentForeground();
        const config = loadAgentConfig();
        const client = new LocalApiClient(config.paths);
        if (opts.stop) return stopAgent(client);
        if (await client.isUp()) return void process.stdout.write(`The agent is already running (${config.paths.socket})\n`);
        await client.ensureAgent();
        process.stdout.write(`Agent started; log: ${config.paths.agentLog}\n`);
      }),
    );
}

/** `grid agent --stop`: SIGTERM to the daemon, then wait until it has exited. */
async function stopAgent(client: LocalApiClient): Promise<void> {
  if (!(await client.isUp())) return void process.stdout.write('The agent is not running\n');
  const { agent } = await client.call<AgentStatus>('GET', '/v1/status');
  process.kill(agent.pid, 'SIGTERM');
  const until = Date.now() + 30_000;
  const alive = () => {
    try {
      process.kill(agent.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Gone for good: its socket closed and its last state written (it exits after that).
  while (alive() || (await client.isUp())) {
    if (Date.now() > until) throw new LocalApiError('agent_unreachable', `the agent (pid ${agent.pid}) did not stop within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write('Agent stopped; its processes keep running, and their heartbeats resume when it starts again\n');
}
