import type { Command } from 'commander';
import { loadAgentConfig } from '../../config.js';
import { LocalApiClient } from '../../localapi/client.js';
import { action } from '../context.js';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run the agent daemon (one per PC and user); other commands start it when needed')
    .option('--foreground', 'run in this terminal instead of the background')
    .addHelpText('after', '\nSIGTERM stops the daemon only: its processes keep running, and their heartbeats resume when it starts again.')
    .action(
      action(async (opts: { foreground?: boolean }) => {
        if (opts.foreground) return (await import('../../daemon/main.js')).runAgentForeground();
        const config = loadAgentConfig();
        const client = new LocalApiClient(config.paths);
        if (await client.isUp()) return void process.stdout.write(`The agent is already running (${config.paths.socket})\n`);
        await client.ensureAgent();
        process.stdout.write(`Agent started; log: ${config.paths.agentLog}\n`);
      }),
    );
}
