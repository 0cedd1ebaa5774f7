/** @jsxRuntime automatic */
import type { OwnDevice } from '@gridshare/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { PageHeader } from '../../components/page-header.js';
import { ErrorState, FormError, Loading } from '../../components/states.js';
import { pageTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { useNow } from '../../components/use-now.js';
import { formatAgo } from '../processes/format.js';
import { useSignedIn } from '../auth/session-context.js';
import { useOnReturn } from '../../components/use-on-return.js';

type State = { status: 'loading' } | { status: 'ok'; devices: OwnDevice[] } | { status: 'error'; message: string };

/**
 * My logged-in devices: which are online now (this browser is, as it asks: it
 * holds no grid's events socket on this page), and logging out one I lost.
 */
export function DevicesPage() {
  const { client } = useSignedIn();
  const now = useNow();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [actionError, setActionError] = useState<string | null>(null);
  useDocumentTitle(pageTitle('Your devices'));

  const load = useCallback(async () => {
    try {
      setState({ status: 'ok', devices: (await client.listDevices()).devices });
    } catch (err) {
      setState({ status: 'error', message: describeError(err) });
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);
  // Presence has no live event outside a grid: coming back to the page asks again.
  useOnReturn(useCallback(() => void load(), [load]));

  const revoke = async (d: OwnDevice) => {
    setActionError(null);
    try {
      await client.revokeDevice(d.id);
    } catch (err) {
      setActionError(describeError(err));
    }
    await load();
  };

  return (
    <div className="page">
      <PageHeader title="Your devices" subtitle="Every PC and browser logged in as you. One you lost can be logged out from here." />
      {state.status === 'loading' && <Loading label="Loading your devices…" />}
      {state.status === 'error' && <ErrorState title="Could not load your devices" message={state.message} onRetry={() => void load()} />}
      {state.status === 'ok' && (
        <div className="card">
          <FormError message={actionError} />
          <ul className="member-list" aria-label="Devices">
            {state.devices.map((d) => ({ ...d, online: d.online || d.current })).map((d) => (
              <li key={d.id} className="member" data-device-id={d.id}>
                <div className="member-main">
                  <div className="member-name">
                    {d.name}
                    {d.current && <span className="muted"> (this browser)</span>}
                  </div>
                  <span className={`device-chip ${d.online ? 'is-online' : 'is-offline'}`}>
                    <span className="device-dot" aria-hidden="true" />
                    {d.online ? 'online' : `offline · seen ${formatAgo(d.lastSeenAt, now)}`}
                  </span>
                </div>
                <div className="member-actions">
                  {!d.current && (
                    <ConfirmButton label="Log out" question={`Log out ${d.name}? It must log in again to use Gridshare.`} busyLabel="Logging out…" onConfirm={() => revoke(d)} />
                  )}
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
