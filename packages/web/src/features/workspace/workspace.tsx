/** @jsxRuntime automatic */
import type { Grid, GridClient, Member, MemberDevice, Process, Role } from '@gridshare/protocol';
import { Link } from '../../app/router.js';
import { type GridTab, paths } from '../../app/routes.js';
import { PageHeader } from '../../components/page-header.js';
import { EmptyState } from '../../components/states.js';
import { gridTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { InvitePanel } from '../invites/invite-panel.js';
import { countOnline } from '../live/grid-state.js';
import { MembersPanel } from '../members/members-panel.js';
import { ProcessList } from '../processes/process-list.js';
import { GridTabs } from './grid-tabs.js';

interface Props {
  client: GridClient;
  grid: Grid;
  tab: GridTab;
  members: Member[];
  devices: MemberDevice[] | null;
  processes: Process[] | null;
  /** From the live events: the invites' use counts may have changed. */
  memberJoins: number;
  me: string;
  /** This browser's device, marked in the members list. */
  myDeviceId: string;
  myRole: Role | undefined;
  onForceStop: ((p: Process) => Promise<void>) | undefined;
  onChangeRole: (m: Member, role: Role) => Promise<void>;
  onRemove: (m: Member) => Promise<void>;
}

const ROLE = { owner: 'the owner', admin: 'an admin', member: 'a member' } as const;

/** The grid workspace: its processes, its members, its invites. */
export function Workspace({ client, grid, tab, members, devices, processes, memberJoins, me, myDeviceId, myRole, onForceStop, onChangeRole, onRemove }: Props) {
  const isAdmin = myRole === 'owner' || myRole === 'admin';
  const online = countOnline(processes);
  useDocumentTitle(gridTitle(grid.name, online));
  const running = processes?.filter((p) => p.status !== 'stopped').length ?? 0;
  return (
    <div className="page">
      <PageHeader
        title={grid.name}
        subtitle={
          <>
            <span className={`online-count ${online === 0 ? 'is-zero' : ''}`}>
              <span className="device-dot" aria-hidden="true" /> {online} online
            </span>
            {' · '}
            {members.length} {members.length === 1 ? 'member' : 'members'}
            {myRole && ` · you are ${ROLE[myRole]}`}
          </>
        }
        actions={
          isAdmin &&
          tab !== 'invites' && (
            <Link to={paths.grid(grid.id, 'invites')} className="btn btn-primary">
              Invite people
            </Link>
          )
        }
      />
      <GridTabs gridId={grid.id} active={tab} showInvites={isAdmin} counts={{ processes: running, members: members.length }} />
      <div className="tab-panel">
        {tab === 'processes' && <ProcessList processes={processes} gridName={grid.name} onForceStop={onForceStop} />}
        {tab === 'members' && (
          <MembersPanel members={members} devices={devices} processes={processes} myId={me} myDeviceId={myDeviceId} myRole={myRole} onChangeRole={onChangeRole} onRemove={onRemove} />
        )}
        {tab === 'invites' &&
          (isAdmin ? (
            <InvitePanel client={client} gridId={grid.id} memberJoins={memberJoins} />
          ) : (
            <EmptyState title="Only owners and admins can invite">
              <p>Ask the owner of {grid.name} for an invite code to pass on.</p>
            </EmptyState>
          ))}
      </div>
    </div>
  );
}
