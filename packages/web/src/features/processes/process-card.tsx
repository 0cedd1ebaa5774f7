/** @jsxRuntime automatic */
import type { Process } from '@gridshare/protocol';
import { useState } from 'react';
import { describeError } from '../../app/errors.js';
import { Link } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { FormError } from '../../components/states.js';
import { useNow } from '../../components/use-now.js';
import { ConnectHint } from './connect-hint.js';
import { forceStopQuestion, formatAgo, formatDuration, stopReasonText, uptimeSeconds } from './format.js';
import { ProcessHealth } from './process-health.js';
import { StatusBadge } from './status-badge.js';

export interface ProcessCardProps {
  process: Process;
  gridName: string;
  /** Owners and admins may stop anyone's process. */
  onForceStop?: ((p: Process) => Promise<void>) | undefined;
}

export function ProcessCard({ process: p, gridName, onForceStop }: ProcessCardProps) {
  const now = useNow();
  const [error, setError] = useState<string | null>(null);
  const uptime = uptimeSeconds(p, now);
  const titleId = `process-${p.id}`;
  const stop = async () => {
    setError(null);
    try {
      await onForceStop?.(p);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <li className={`process process-${p.status}`} aria-labelledby={titleId} data-process-id={p.id}>
      <div className="process-head">
        <div className="process-title">
          <Link to={paths.process(p.gridId, p.id)} className="process-name" id={titleId}>
            {p.name}
          </Link>
          <span className="kind">{p.kind}</span>
        </div>
        <StatusBadge status={p.status} />
      </div>
      <ul className="process-meta">
        <li>
          <span className="meta-label">Host</span> {p.hostUsername} <span className="muted">on</span> {p.hostDeviceName}
        </li>
        {uptime !== null && (
          <li>
            <span className="meta-label">Up</span> {formatDuration(uptime)}
          </li>
        )}
        {p.status === 'stopped' ? (
          <li>
            <span className="meta-label">Stopped</span> {p.stoppedAt ? formatAgo(p.stoppedAt, now) : ''}
            {stopReasonText(p.stopReason) && <span className="muted"> · {stopReasonText(p.stopReason)}</span>}
            {p.exitCode !== null && <span className="muted"> · exit code {p.exitCode}</span>}
          </li>
        ) : (
          <li className={p.status === 'offline' ? 'meta-warn' : undefined}>
            <span className="meta-label">Last heartbeat</span> <span className="heartbeat-ago">{formatAgo(p.lastHeartbeatAt, now)}</span>
          </li>
        )}
        {!p.health?.ports && p.ports.length > 0 && (
          <li>
            <span className="meta-label">Ports</span> {p.ports.map((x) => `${x.port}/${x.protocol}`).join(', ')}
          </li>
        )}
      </ul>
      {p.status === 'offline' && (
        <p className="offline-note">
          No heartbeats from {p.hostDeviceName}. It comes back online by itself when they resume.
        </p>
      )}
      <ProcessHealth process={p} />
      {p.status === 'online' && <ConnectHint process={p} gridName={gridName} />}
      {onForceStop && p.status !== 'stopped' && (
        <div className="process-actions">
          <ConfirmButton label="Force stop" question={forceStopQuestion(p)} confirmLabel="Stop it" busyLabel="Stopping…" onConfirm={stop} />
        </div>
      )}
      <FormError message={error} />
    </li>
  );
}
