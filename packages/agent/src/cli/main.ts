import { Command } from 'commander';
import { registerServe } from './commands/serve.js';

const program = new Command()
  .name('grid')
  .description('Gridshare: share the processes running on your PCs with your grid — no port forwarding.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

registerServe(program);

await program.parseAsync(process.argv);
