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

export function CreateGridPage() {
  const { client } = useSignedIn();
  const { refresh } = useGrids();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useDocumentTitle(pageTitle('New grid'));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { grid } = await client.createGrid({ name: name.trim() });
      await refresh();
      navigate(paths.grid(grid.id, 'invites'));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <div className="page page-narrow">
      <PageHeader title="Create a grid" subtitle="A grid is a private group of people and their PCs. You will be its owner." />
      <form className="card form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="grid-name">Grid name</label>
          <input id="grid-name" required maxLength={64} placeholder="friends" value={name} onChange={(e) => setName(e.target.value)} aria-describedby="grid-name-help" />
          <p className="field-help" id="grid-name-help">
            People use it in <code>grid connect … --grid {name.trim() || 'friends'}</code>, so keep it short.
          </p>
        </div>
        <FormError message={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
            {busy ? 'Creating…' : 'Create grid'}
          </button>
        </div>
      </form>
    </div>
  );
}
