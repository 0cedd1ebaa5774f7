/** @jsxRuntime automatic */
import type { Invite } from '@gridshare/protocol';
import { CopyButton } from '../../components/copy-button.js';
import { useNow } from '../../components/use-now.js';
import { describeExpiry, describeUses, displayCode, joinLink } from './invite-status.js';

/** The invite just made: the code big enough to read out loud, and easy to copy. */
export function InviteCodeCard({ invite }: { invite: Invite }) {
  const now = useNow();
  const code = displayCode(invite.code);
  return (
    <section className="invite-fresh" aria-labelledby="fresh-invite-title">
      <h3 id="fresh-invite-title" className="invite-fresh-title">
        New invite code
      </h3>
      <p className="invite-code" data-testid="invite-code">
        {code}
      </p>
      <div className="invite-fresh-actions">
        <CopyButton text={code} label="Copy code" />
        <CopyButton text={joinLink(window.location.origin, invite.code)} label="Copy link" />
      </div>
      <p className="invite-fresh-meta">
        {describeExpiry(invite, now)} · {describeUses(invite)}
      </p>
      <p className="muted invite-fresh-help">
        They enter it under <strong>Join with a code</strong>, or open the link.
      </p>
    </section>
  );
}
