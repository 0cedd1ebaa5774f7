/** @jsxRuntime automatic */
import { type FormEvent, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { navigate } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { PageHeader } from '../../components/page-header.js';
import { FormError } from '../../components/states.js';
import { pageTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { useSignedIn } from '../auth/session-context.js';
import { useGrids } from './grids-context.js';

const CODE = /^[2-9A-Za-z]{5}-?[2-9A-Za-z]{5}$/;

export function JoinGridPage({ initialCode }: { initialCode: string }) {
  const { client } = useSignedIn();
  const { refresh } = useGrids();
  const [code, setCode] = useState(initialCode);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useDocumentTitle(pageTitle('Join a grid'));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim().replace(/\s+/g, '');
    if (!CODE.test(c)) {
      setError('An invite code is ten letters and digits, like ABCDE-FGHJK.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { grid } = await client.join(c);
      await refresh();
      navigate(paths.grid(grid.id));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <div className="page page-narrow">
      <PageHeader title="Join a grid" subtitle="Someone in the grid gives you an invite code. Enter it here." />
      <form className="card form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="invite-code">Invite code</label>
          <input
            id="invite-code"
            className="input-code"
            required
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="XXXXX-XXXXX"
            maxLength={16}
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
            aria-invalid={error ? true : undefined}
          />
          <p className="field-help">Case and the dash do not matter.</p>
        </div>
        <FormError message={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !code.trim()}>
            {busy ? 'Joining…' : 'Join grid'}
          </button>
        </div>
      </form>
    </div>
  );
}
