/** @jsxRuntime automatic */
import { CopyButton } from '../../components/copy-button.js';

/** A shell command to copy: how to connect, how to share. */
export function CommandLine({ command, what }: { command: string; what: string }) {
  return (
    <div className="command">
      <code className="command-text">
        <span className="command-prompt" aria-hidden="true">$ </span>
        {command}
      </code>
      <CopyButton text={command} what={what} />
    </div>
  );
}
