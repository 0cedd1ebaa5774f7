/** @jsxRuntime automatic */
import type { GridClient, Process, ProcessHistoryEntry } from '@gridshare/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { Link } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { PageHeader } from '../../components/page-header.js';
import { ErrorState, FormError, Loading } from '../../components/states.js';
import { processTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { useNow } from '../../components/use-now.js';
import { ConnectHint } from './connect-hint.js';
import { forceStopQuestion, formatAgo, formatDuration, stopReasonText, uptimeSeconds } from './format.js';
import { ProcessHealth } from './process-health.js';
import { ProcessConnections } from './process-connections.js';
import { ProcessHistory } from './process-history.js';
import { StatusBadge } from './status-badge.js';

interface Props {
  client: GridClient;
  process: Process;
  gridName: string;
  /** How many of the grid's processes are online, for the title as on the grid page. */
  online: number;
  onForceStop?: ((p: Process) => Promise<void>) | undefined;
  /** The host and the grid's owner and admins see who connected (see canSeeConnections). */
  showConnections?: boolean;
}

/** One process: what it is, where it runs, how to reach it, and what happened to it. */
export function ProcessDetail({ client, process: p, gridName, online, onForceStop, showConnections = false }: Props) {
  const now = useNow();
  useDocumentTitle(processTitle(p.name, gridName, online));
  const [history, setHistory] = useState<ProcessHistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stopError, setStopError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setHistory((await client.processHistory(p.gridId, p.id)).events);
      setError(null);
    } catch (err) {
      setError(describeError(err));
    }
  }, [client, p.gridId, p.id]);
  // Every status change adds a line to the history: fetch it again then, not on a timer.
  useEffect(() => {
    void load();
  }, [load, p.status]);

  const uptime = uptimeSeconds(p, now);
  return (
    <div className="page">
      <PageHeader
        eyebrow={
          <Link to={paths.grid(p.gridId)} className="back-link">
            ← {gridName}
          </Link>
        }
        title={
          <>
            {p.name} <StatusBadge status={p.status} />
          </>
        }
        subtitle={`${p.kind} · hosted by ${p.hostUsername} on ${p.hostDeviceName}`}
        actions={
          onForceStop &&
          p.status !== 'stopped' && (
            <ConfirmButton
              label="Force stop"
              question={forceStopQuestion(p)}
              confirmLabel="Stop it"
              busyLabel="Stopping…"
              onConfirm={async () => {
                setStopError(null);
                await onForceStop(p).catch((err: unknown) => setStopError(describeError(err)));
              }}
            />
          )
        }
      />
      <FormError message={stopError} />
      <div className="detail-grid">
        <section className="card" aria-labelledby="overview-title">
          <h2 id="overview-title" className="card-title">
            Overview
          </h2>
          <dl className="facts">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={p.status} />
              </dd>
            </div>
            <div>
              <dt>Host</dt>
              <dd>
                {p.hostUsername} on {p.hostDeviceName}
              </dd>
            </div>
            {uptime !== null && (
              <div>
                <dt>Uptime</dt>
                <dd>{formatDuration(uptime)}</dd>
              </div>
            )}
            <div>
              <dt>Last heartbeat</dt>
              <dd>{formatAgo(p.lastHeartbeatAt, now)}</dd>
            </div>
            <div>
              <dt>Registered</dt>
              <dd>{formatAgo(p.registeredAt, now)}</dd>
            </div>
            {p.status === 'stopped' && (
              <div>
                <dt>Stopped</dt>
                <dd>
                  {p.stoppedAt ? formatAgo(p.stoppedAt, now) : '—'}
                  {stopReasonText(p.stopReason) ? ` · ${stopReasonText(p.stopReason)}` : ''}
                  {p.exitCode !== null ? ` · exit code ${p.exitCode}` : ''}
                </dd>
              </div>
            )}
            {p.ports.length > 0 && (
              <div>
                <dt>Ports</dt>
                <dd>{p.ports.map((x) => `${x.port}/${x.protocol}`).join(', ')}</dd>
              </div>
            )}
            {p.command && (
              <div className="facts-wide">
                <dt>Command</dt>
                <dd>
                  <code>{p.command}</code>
                </dd>
              </div>
            )}
          </dl>
          <ProcessHealth process={p} />
          {p.status === 'online' && (
            <>
              <h3 className="card-subtitle">Connect</h3>
              <ConnectHint process={p} gridName={gridName} />
            </>
          )}
        </section>
        <section className="card" aria-labelledby="history-title">
          <h2 id="history-title" className="card-title">
            History
          </h2>
          {error ? (
            <ErrorState title="Could not load the history" message={error} onRetry={() => void load()} />
          ) : history === null ? (
            <Loading label="Loading history…" />
          ) : (
            <ProcessHistory events={history} />
          )}
        </section>
        {showConnections && <ProcessConnections client={client} process={p} />}
      </div>
    </div>
  );
}
