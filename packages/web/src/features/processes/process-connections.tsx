/** @jsxRuntime automatic */
import type { Connection, GridClient, Process } from '@gridshare/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, errorCode } from '../../app/errors.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { EmptyState, ErrorState, FormError, Loading } from '../../components/states.js';
import { useNow } from '../../components/use-now.js';
import { closeReasonText, connectionDuration } from './connections.js';
import { formatAgo, formatBytes } from './format.js';

/** The coordinator answers at most this many, newest first. */
const PAGE = 100;

type State = { status: 'loading' } | { status: 'ok'; connections: Connection[] } | { status: 'error'; message: string } | { status: 'forbidden' };

/**
 * Who connected to a process through the relay, newest first, and closing
 * them. For its host and the grid's owner and admins only (the caller decides).
 * No event announces connections: it loads on mount, on Refresh, after an
 * action, and when the process's status changes (which may close them).
 */
export function ProcessConnections({ client, process: p }: { client: GridClient; process: Process }) {
  const now = useNow();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [refreshing, setRefreshing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Only the latest request may set the list: a slow answer never replaces a newer one.
  const latest = useRef(0);
  useEffect(
    () => () => {
      latest.current = -1;
    },
    [],
  );

  const load = useCallback(async () => {
    const mine = ++latest.current;
    setRefreshing(true);
    try {
      const { connections } = await client.listConnections(p.gridId, p.id, { state: 'all' });
      if (mine !== latest.current) return;
      setState({ status: 'ok', connections });
    } catch (err) {
      if (mine !== latest.current) return;
      // Lost the right to see them since the page decided (e.g. demoted): hide, as for anyone else.
      setState(errorCode(err) === 'forbidden' ? { status: 'forbidden' } : { status: 'error', message: describeError(err) });
    } finally {
      if (mine === latest.current) setRefreshing(false);
    }
  }, [client, p.gridId, p.id]);
  useEffect(() => {
    void load();
  }, [load, p.status]);

  /** Runs a close, says what happened, and reloads either way (the list may have changed meanwhile). */
  const act = async (action: () => Promise<string | null>) => {
    setActionError(null);
    setNotice(null);
    try {
      setNotice(await action());
    } catch (err) {
      // Already closed by the time we asked: the reload shows it so.
      if (errorCode(err) !== 'connection_not_found') setActionError(describeError(err));
    }
    await load();
  };
  const closeOne = (c: Connection) =>
    act(async () => {
      await client.closeConnection(p.gridId, p.id, c.id);
      return `Closed ${c.username}’s connection.`;
    });
  const closeAll = () =>
    act(async () => {
      const { closed } = await client.closeConnections(p.gridId, p.id);
      return `Closed ${closed} ${closed === 1 ? 'connection' : 'connections'}.`;
    });

  if (state.status === 'forbidden') return null;
  const list = state.status === 'ok' ? state.connections : null;
  const open = list?.filter((c) => !c.closedAt).length ?? 0;
  return (
    <section className="card connections" aria-labelledby="connections-title">
      <div className="card-head">
        <h2 id="connections-title" className="card-title">
          Connections {list && <span className="count">{open} open</span>}
        </h2>
        <div className="card-head-actions">
          {open > 0 && (
            <ConfirmButton
              label="Close all"
              question={`Close ${open === 1 ? 'the open connection' : `all ${open} open connections`}?`}
              confirmLabel="Close them"
              busyLabel="Closing…"
              onConfirm={closeAll}
            />
          )}
          <button type="button" className="btn btn-small" disabled={refreshing} onClick={() => void load()}>
            {refreshing && state.status !== 'loading' ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      <FormError message={actionError} />
      {notice && (
        <p className="quiet-note" role="status">
          {notice}
        </p>
      )}
      {state.status === 'error' ? (
        <ErrorState title="Could not load the connections" message={state.message} onRetry={() => void load()} />
      ) : list === null ? (
        <Loading label="Loading connections…" />
      ) : list.length === 0 ? (
        <EmptyState title="No one has connected yet" icon="⇄">
          {p.status === 'online' && !p.private && (
            <p>
              Share the <code>grid connect</code> command above.
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          <ul className="connection-list" aria-label="Connections, newest first">
            {list.map((c) => (
              <ConnectionRow key={c.id} c={c} now={now} onClose={() => closeOne(c)} />
            ))}
          </ul>
          {list.length >= PAGE && <p className="quiet-note">Showing the newest {PAGE}.</p>}
        </>
      )}
    </section>
  );
}

function ConnectionRow({ c, now, onClose }: { c: Connection; now: number; onClose: () => Promise<void> }) {
  const duration = connectionDuration(c);
  const reason = closeReasonText(c.closeReason);
  return (
    <li className={`connection-row ${duration === null ? 'connection-open' : 'connection-closed'}`} data-connection-id={c.id}>
      <span className="connection-who">
        <strong>{c.username}</strong> @ {c.deviceName}
      </span>
      <span className={`pill ${duration === null ? 'pill-active' : ''}`}>{duration === null ? 'Open' : 'Closed'}</span>
      <span className="connection-meta">
        port {c.port} · opened{' '}
        <time dateTime={c.openedAt} title={new Date(c.openedAt).toLocaleString()}>
          {formatAgo(c.openedAt, now)}
        </time>
        {duration === null ? ' · open' : ` · lasted ${duration}`} ·{' '}
        <span title="guest → process, process → guest">
          {formatBytes(c.bytesIn)} in / {formatBytes(c.bytesOut)} out
        </span>
        {reason && <span className="connection-reason"> · {reason}</span>}
      </span>
      <span className="connection-actions">
        {duration === null && (
          <ConfirmButton label="Close" question={`Close ${c.username}’s connection?`} confirmLabel="Close it" busyLabel="Closing…" onConfirm={onClose} />
        )}
      </span>
    </li>
  );
}
