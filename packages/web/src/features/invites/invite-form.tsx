/** @jsxRuntime automatic */
import type { CreateInviteRequest } from '@gridshare/protocol';
import { type FormEvent, useState } from 'react';
import { EXPIRY_CHOICES, USES_CHOICES } from './invite-status.js';

export function InviteForm({ onCreate, busy }: { onCreate: (body: CreateInviteRequest) => Promise<void>; busy: boolean }) {
  const [expiry, setExpiry] = useState<number>(7 * 86_400);
  const [uses, setUses] = useState<number>(0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onCreate({ ...(expiry ? { expiresInSeconds: expiry } : {}), ...(uses ? { maxUses: uses } : {}) });
  };
  return (
    <form className="invite-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor="invite-expiry">Expires after</label>
        <select id="invite-expiry" value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.label} value={c.seconds}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="invite-uses">Can be used</label>
        <select id="invite-uses" value={uses} onChange={(e) => setUses(Number(e.target.value))}>
          {USES_CHOICES.map((c) => (
            <option key={c.label} value={c.uses}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create invite'}
      </button>
    </form>
  );
}
