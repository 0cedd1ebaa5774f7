/** @jsxRuntime automatic */
import type { Process } from '@gridshare/protocol';
import { LockIcon } from '../../components/lock-icon.js';
import { CommandLine } from './command-line.js';
import { connectCommand } from './format.js';

/** How to reach it: the `grid connect` command, or why there is none (a private process refuses the relay). */
export function ConnectHint({ process: p, gridName }: { process: Process; gridName: string }) {
  if (p.private) {
    return (
      <p className="private-note">
        <LockIcon />
        Private: {p.hostUsername} shares it without connections through Gridshare.
      </p>
    );
  }
  return <CommandLine command={connectCommand(p.name, gridName)} what={`the connect command for ${p.name}`} />;
}
