/** @jsxRuntime automatic */
import type { Process } from '@gridshare/protocol';
import { EmptyState, Loading } from '../../components/states.js';
import { sortProcesses } from '../live/grid-state.js';
import { CommandLine } from './command-line.js';
import { shellWord } from './format.js';
import { ProcessCard } from './process-card.js';

interface Props {
  processes: Process[] | null;
  gridName: string;
  onForceStop?: ((p: Process) => Promise<void>) | undefined;
}

/** Every process of the grid from every PC: running ones first, stopped ones folded away. */
export function ProcessList({ processes, gridName, onForceStop }: Props) {
  if (processes === null) return <Loading label="Connecting to the grid…" />;
  if (processes.length === 0) {
    return (
      <EmptyState icon="▷" title="Nothing shared yet">
        <p>Processes appear here live as soon as someone in the grid shares one. On a PC with the Gridshare agent, share a server that is already running:</p>
        <CommandLine command={`grid share --grid ${shellWord(gridName)} --name web --port 3000`} what="the share command" />
        <p className="muted">or start one under the agent with <code>grid run --grid {shellWord(gridName)} --name NAME -- COMMAND</code>.</p>
      </EmptyState>
    );
  }
  const sorted = sortProcesses(processes);
  const active = sorted.filter((p) => p.status !== 'stopped');
  const stopped = sorted.filter((p) => p.status === 'stopped');
  return (
    <div className="process-sections">
      {active.length > 0 ? (
        <ul className="process-list" aria-label="Processes">
          {active.map((p) => (
            <ProcessCard key={p.id} process={p} gridName={gridName} onForceStop={onForceStop} />
          ))}
        </ul>
      ) : (
        <p className="quiet-note">No process is running right now. Stopped ones are below.</p>
      )}
      {stopped.length > 0 && (
        <details className="stopped-section" open={active.length === 0}>
          <summary>
            Stopped <span className="count">{stopped.length}</span>
          </summary>
          <ul className="process-list" aria-label="Stopped processes">
            {stopped.map((p) => (
              <ProcessCard key={p.id} process={p} gridName={gridName} />
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
