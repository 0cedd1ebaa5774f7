/** @jsxRuntime automatic */
import type { CreateInviteRequest, GridClient, Invite } from '@gridshare/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { ErrorState, FormError, Loading } from '../../components/states.js';
import { useNow } from '../../components/use-now.js';
import { useOnReturn } from '../../components/use-on-return.js';
import { InviteCodeCard } from './invite-code-card.js';
import { InviteForm } from './invite-form.js';
import { describeExpiry, describeUses, displayCode, inviteStatus } from './invite-status.js';

const STATUS_LABEL = { active: 'Active', expired: 'Expired', 'used-up': 'Used up', revoked: 'Revoked' } as const;

interface Props {
  client: GridClient;
  gridId: string;
  /** Goes up when someone may have joined (the grid's live events): an invite's use count changed. */
  memberJoins?: number;
}

/**
 * Owners and admins: make invites, see who may still use them, revoke them.
 * No event carries use counts: the list loads again when someone joins and
 * when the user comes back to the window.
 */
export function InvitePanel({ client, gridId, memberJoins = 0 }: Props) {
  const now = useNow();
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [fresh, setFresh] = useState<Invite | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only the latest request may set the list: a slow answer never undoes a newer one or a change made here.
  const latest = useRef(0);

  const load = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const res = await client.listInvites(gridId);
      if (mine !== latest.current) return;
      const list = res.invites.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      setInvites(list);
      setFresh((f) => (f && list.find((i) => i.code === f.code)) ?? f);
      setLoadError(null);
    } catch (err) {
      if (mine === latest.current) setLoadError(describeError(err));
    }
  }, [client, gridId]);
  useEffect(() => {
    void load();
  }, [load, memberJoins]);
  useOnReturn(load);

  const create = async (body: CreateInviteRequest) => {
    setBusy(true);
    setError(null);
    try {
      const { invite } = await client.createInvite(gridId, body);
      latest.current++;
      setFresh(invite);
      setInvites((list) => [invite, ...(list ?? [])]);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (code: string) => {
    setError(null);
    try {
      await client.revokeInvite(gridId, code);
      latest.current++;
      setInvites((list) => list?.map((i) => (i.code === code ? { ...i, revoked: true } : i)) ?? null);
      setFresh((f) => (f?.code === code ? null : f));
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <div className="invites">
      <section className="card" aria-labelledby="invite-new-title">
        <h2 id="invite-new-title" className="card-title">
          Invite people
        </h2>
        <p className="card-lead">Anyone with the code can join this grid as a member until it expires or runs out of uses.</p>
        <InviteForm onCreate={create} busy={busy} />
        <FormError message={error} />
        {fresh && <InviteCodeCard invite={fresh} />}
      </section>
      <section className="card" aria-labelledby="invite-list-title">
        <h2 id="invite-list-title" className="card-title">
          Invites
        </h2>
        {loadError ? (
          <ErrorState title="Could not load the invites" message={loadError} onRetry={() => void load()} />
        ) : invites === null ? (
          <Loading label="Loading invites…" />
        ) : invites.length === 0 ? (
          <p className="quiet-note">No invites yet. Create one above and send the code to a friend.</p>
        ) : (
          <ul className="invite-list">
            {invites.map((i) => {
              const status = inviteStatus(i, now);
              return (
                <li key={i.code} className={`invite-row invite-${status}`}>
                  <code className="invite-row-code">{displayCode(i.code)}</code>
                  <span className={`pill pill-${status}`}>{STATUS_LABEL[status]}</span>
                  <span className="invite-row-meta">
                    {status === 'revoked' ? 'Revoked' : describeExpiry(i, now)} · {describeUses(i)}
                  </span>
                  <span className="invite-row-actions">
                    {status === 'active' && (
                      <ConfirmButton label="Revoke" question={`Revoke ${displayCode(i.code)}?`} busyLabel="Revoking…" onConfirm={() => revoke(i.code)} />
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
