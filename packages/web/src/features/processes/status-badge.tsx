/** @jsxRuntime automatic */
import type { ProcessStatus } from '@gridshare/protocol';

const LABEL: Record<ProcessStatus, string> = { online: 'Online', offline: 'Offline', stopped: 'Stopped' };

export function StatusBadge({ status }: { status: ProcessStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {LABEL[status]}
    </span>
  );
}
