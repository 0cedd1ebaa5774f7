/** @jsxRuntime automatic */
import type { Member, Role } from '@gridshare/protocol';
import { useState } from 'react';
import { describeError } from '../../app/errors.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { FormError } from '../../components/states.js';
import { useNow } from '../../components/use-now.js';
import { formatAgo } from '../processes/format.js';
import type { DeviceView } from './member-devices.js';

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

interface Props {
  member: Member;
  isMe: boolean;
  devices: DeviceView[];
  myDeviceId: string;
  actions: { changeRole: boolean; remove: boolean; leave: boolean };
  onChangeRole: (m: Member, role: Role) => Promise<void>;
  onRemove: (m: Member) => Promise<void>;
}

export function MemberRow({ member: m, isMe, devices, myDeviceId, actions, onChangeRole, onRemove }: Props) {
  const [role, setRole] = useState<Role>(m.role);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const run = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const save = async () => {
    setSaving(true);
    await run(() => onChangeRole(m, role));
    setSaving(false);
  };
  const selectId = `role-${m.userId}`;
  return (
    <li className="member" data-user-id={m.userId}>
      <span className="user-avatar user-avatar-light" aria-hidden="true">
        {m.username.charAt(0).toUpperCase()}
      </span>
      <div className="member-main">
        <div className="member-name">
          {m.username}
          {isMe && <span className="muted"> (you)</span>}
          <span className={`role role-${m.role}`}>{ROLE_LABEL[m.role]}</span>
        </div>
        <MemberDevices devices={devices} myDeviceId={myDeviceId} />
        <FormError message={error} />
      </div>
      <div className="member-actions">
        {actions.changeRole && (
          <span className="role-edit">
            <label htmlFor={selectId} className="visually-hidden">
              Role of {m.username}
            </label>
            <select id={selectId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="member">Member</option>
              <option value="admin">Admin</option>
              <option value="owner">Owner (hand over)</option>
            </select>
            {role !== m.role && (
              <button type="button" className="btn btn-small btn-primary" disabled={saving} onClick={() => void save()}>
                {saving ? 'Saving…' : role === 'owner' ? 'Make owner' : 'Save'}
              </button>
            )}
          </span>
        )}
        {actions.remove && (
          <ConfirmButton label="Remove" question={`Remove ${m.username}? Their processes here stop.`} busyLabel="Removing…" onConfirm={() => run(() => onRemove(m))} />
        )}
        {actions.leave && <ConfirmButton label="Leave grid" question="Leave this grid? Your processes here stop." confirmLabel="Leave" busyLabel="Leaving…" onConfirm={() => run(() => onRemove(m))} />}
      </div>
    </li>
  );
}

/** Each logged-in device: online (and what it hosts here) or when it was last seen. */
function MemberDevices({ devices, myDeviceId }: { devices: DeviceView[]; myDeviceId: string }) {
  const now = useNow();
  if (devices.length === 0) return <div className="member-devices muted">No device logged in</div>;
  return (
    <ul className="member-devices" aria-label="Devices">
      {devices.map((d) => (
        <li key={d.id} className={`device-chip ${d.online ? 'is-online' : 'is-offline'}`} data-device-id={d.id}>
          <span className="device-dot" aria-hidden="true" />
          {/* One box for all the text: loose text nodes in the flex chip would each be a column of their own. */}
          <span className="device-chip-text">
            {d.name}
            {d.id === myDeviceId && <span className="muted"> (this browser)</span>} {d.online ? 'online' : 'offline'}
            {d.online && d.processes > 0 && <span className="muted"> · {d.processes === 1 ? '1 process' : `${d.processes} processes`}</span>}
            {!d.online && <span className="muted"> · seen {formatAgo(d.lastSeenAt, now)}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}
