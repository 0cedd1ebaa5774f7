import { Command } from 'commander';
import { registerAccount } from './commands/account.js';
import { registerAgent } from './commands/agent.js';
import { registerConnect } from './commands/connect.js';
import { registerGrids } from './commands/grids.js';
import { registerProcesses } from './commands/processes.js';
import { registerPs } from './commands/ps.js';
import { registerServe } from './commands/serve.js';
import { exitQuietlyOnClosedPipe } from './pipes.js';

exitQuietlyOnClosedPipe();

const program = new Command()
  .name('grid')
  .description('Gridshare: share the processes running on your PCs with your grid — no port forwarding.')
  .version('0.1.0')
  // Options after a subcommand belong to it (grid grids create X --json).
  .enablePositionalOptions()
  .addHelpText('after', '\nGet started:\n  grid signup --server http://COORDINATOR:8080\n  grid grids create friends\n  grid run --grid friends --name web --port 8000 -- python3 -m http.server 8000\n  grid ps');

registerServe(program);
registerAgent(program);
registerAccount(program);
registerGrids(program);
registerProcesses(program);
registerPs(program);
registerConnect(program);

await program.parseAsync(process.argv);
