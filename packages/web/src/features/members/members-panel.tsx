/** @jsxRuntime automatic */
import type { Member, MemberDevice, Process, Role } from '@gridshare/protocol';
import { Loading } from '../../components/states.js';
import { allowedActions, devicesByUser, sortMembers } from './member-devices.js';
import { MemberRow } from './member-row.js';

interface Props {
  members: Member[] | null;
  devices: MemberDevice[] | null;
  processes: Process[] | null;
  myId: string;
  myDeviceId: string;
  myRole: Role | undefined;
  onChangeRole: (m: Member, role: Role) => Promise<void>;
  onRemove: (m: Member) => Promise<void>;
}

/** Who is in the grid, with their role and which of their devices are online. */
export function MembersPanel({ members, devices: allDevices, processes, myId, myDeviceId, myRole, onChangeRole, onRemove }: Props) {
  if (!members) return <Loading label="Loading members…" />;
  const devices = devicesByUser(allDevices, processes);
  return (
    <ul className="member-list" aria-label="Members">
      {sortMembers(members).map((m) => (
        <MemberRow
          key={`${m.userId}-${m.role}`}
          member={m}
          isMe={m.userId === myId}
          devices={devices.get(m.userId) ?? []}
          myDeviceId={myDeviceId}
          actions={allowedActions(myRole, myId, m)}
          onChangeRole={onChangeRole}
          onRemove={onRemove}
        />
      ))}
    </ul>
  );
}
