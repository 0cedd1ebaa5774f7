/** @jsxRuntime automatic */
import type { Member, Process, Role } from '@gridshare/protocol';
import { useCallback, useEffect } from 'react';
import { navigate } from '../../app/router.js';
import { type GridTab, paths } from '../../app/routes.js';
import { NotFoundPage } from '../../components/not-found-page.js';
import { ErrorState, Loading } from '../../components/states.js';
import { DocumentTitle, pageTitle } from '../../components/use-document-title.js';
import { useSignedIn } from '../auth/session-context.js';
import { useGrids } from '../grids/grids-context.js';
import { countOnline } from '../live/grid-state.js';
import { ReconnectingBanner } from '../live/reconnecting-banner.js';
import { useGridLive } from '../live/use-grid-live.js';
import { canSeeConnections } from '../processes/connections.js';
import { ProcessDetail } from '../processes/process-detail.js';
import { RemovedPage } from './removed-page.js';
import { useGridDetail } from './use-grid-detail.js';
import { Workspace } from './workspace.js';

export type GridView = { kind: 'tab'; tab: GridTab } | { kind: 'process'; processId: string };

/**
 * One grid: loaded once, then kept live by its events socket for every view
 * inside it. Each view sets the page title itself (the innermost wins); here
 * only for the states drawn here.
 */
export function GridPage({ gridId, view }: { gridId: string; view: GridView }) {
  const { client, user, device, expire } = useSignedIn();
  const { refresh: refreshGrids } = useGrids();
  const detail = useGridDetail(client, gridId);
  const live = useGridLive(client, gridId, detail.status === 'ok');

  useEffect(() => {
    if (detail.status === 'unauthorized' || live.ended === 'unauthorized') expire();
    if (live.ended === 'gone') void refreshGrids();
  }, [detail.status, live.ended, expire, refreshGrids]);

  const grid = detail.status === 'ok' ? detail.detail.grid : null;
  const members = live.members ?? (detail.status === 'ok' ? detail.detail.members : null);
  const devices = live.devices ?? (detail.status === 'ok' ? detail.detail.devices : null);
  const myRole = members?.find((m) => m.userId === user.id)?.role;
  const isAdmin = myRole === 'owner' || myRole === 'admin';
  const gone = detail.status === 'not-found' || live.ended === 'gone';

  const forceStop = useCallback(
    async (p: Process) => {
      await client.unregisterProcess(gridId, p.id, {});
    },
    [client, gridId],
  );
  const changeRole = useCallback(
    async (m: Member, role: Role) => {
      await client.updateMember(gridId, m.userId, { role });
    },
    [client, gridId],
  );
  const remove = useCallback(
    async (m: Member) => {
      await client.removeMember(gridId, m.userId);
      if (m.userId === user.id) {
        await refreshGrids();
        navigate(paths.home());
      }
    },
    [client, gridId, user.id, refreshGrids],
  );

  if (gone) return <NotFoundPage what="grid" />;
  if (detail.status === 'error') {
    return (
      <>
        <DocumentTitle title={pageTitle()} />
        <ErrorState title="Could not open this grid" message={detail.message} onRetry={detail.retry} />
      </>
    );
  }
  if (!grid || !members) {
    return (
      <>
        <DocumentTitle title={pageTitle()} />
        <Loading label="Opening the grid…" />
      </>
    );
  }
  if (live.ended === 'removed') return <RemovedPage gridName={grid.name} />;

  const banner = <ReconnectingBanner status={live.status} onRetry={live.retryNow} />;
  if (view.kind === 'process') {
    const process = live.processes?.find((p) => p.id === view.processId);
    return (
      <>
        {banner}
        {live.processes === null ? (
          <>
            <DocumentTitle title={pageTitle(grid.name)} />
            <Loading label="Connecting to the grid…" />
          </>
        ) : process ? (
          <ProcessDetail
            client={client}
            process={process}
            gridName={grid.name}
            online={countOnline(live.processes)}
            onForceStop={isAdmin ? forceStop : undefined}
            showConnections={canSeeConnections(process, user.id, myRole)}
          />
        ) : (
          <NotFoundPage what="process" back={{ to: paths.grid(grid.id), label: `Back to ${grid.name}` }} />
        )}
      </>
    );
  }
  return (
    <>
      {banner}
      <Workspace
        client={client}
        grid={grid}
        tab={view.tab}
        members={members}
        devices={devices}
        processes={live.processes}
        memberJoins={live.memberJoins}
        me={user.id}
        myDeviceId={device.id}
        myRole={myRole}
        onForceStop={isAdmin ? forceStop : undefined}
        onChangeRole={changeRole}
        onRemove={remove}
      />
    </>
  );
}
