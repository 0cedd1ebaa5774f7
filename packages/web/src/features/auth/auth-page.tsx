/** @jsxRuntime automatic */
import type { GridClient } from '@gridshare/protocol';
import { type FormEvent, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { Link } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { FormError } from '../../components/states.js';
import { pageTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { deviceNameFromUserAgent } from './device-name.js';
import { useSession } from './session-context.js';

/** Log in, or create an account. Either way this browser becomes one of your devices. */
export function AuthPage({ mode, base, notice }: { mode: 'login' | 'signup'; base: GridClient; notice?: string | undefined }) {
  const { signedIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const deviceName = deviceNameFromUserAgent(navigator.userAgent);
  const signup = mode === 'signup';
  useDocumentTitle(pageTitle(signup ? 'Sign up' : 'Log in'));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { username: username.trim(), password, deviceName };
      signedIn(await (signup ? base.signup(body) : base.login(body)));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Gridshare
        </div>
        <h1 className="auth-title">{signup ? 'Create your account' : 'Welcome back'}</h1>
        <p className="auth-lead">
          {signup ? 'Share what runs on your PCs with the people you trust.' : 'Log in to see your grids.'}
        </p>
        {notice && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={(e) => void submit(e)} className="form">
          <div className="field">
            <label htmlFor="username">Username</label>
            <input
              id="username"
              name="username"
              autoComplete="username"
              required
              // The rules are for new names; logging in just checks the pair (as the coordinator does).
              minLength={signup ? 3 : undefined}
              maxLength={signup ? 32 : 64}
              pattern={signup ? '[A-Za-z0-9][A-Za-z0-9_.\\-]*' : undefined}
              // Browsers add the title to their "match the requested format" bubble: it says what the format is.
              title={signup ? '3–32 letters, digits, dots, dashes or underscores, starting with a letter or digit' : undefined}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-describedby={signup ? 'username-help' : undefined}
            />
            {signup && (
              <p className="field-help" id="username-help">
                3–32 letters, digits, dots, dashes or underscores.
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete={signup ? 'new-password' : 'current-password'}
              required
              minLength={signup ? 8 : undefined}
              maxLength={256}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-describedby={signup ? 'password-help' : undefined}
            />
            {signup && (
              <p className="field-help" id="password-help">
                At least 8 characters.
              </p>
            )}
          </div>
          <FormError message={error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? (signup ? 'Creating account…' : 'Logging in…') : signup ? 'Sign up' : 'Log in'}
          </button>
          <p className="device-note">
            This browser will be listed as the device <strong>{deviceName}</strong>.
          </p>
        </form>
        <p className="auth-switch">
          {signup ? 'Already have an account? ' : 'New to Gridshare? '}
          <Link to={signup ? paths.login() : paths.signup()}>{signup ? 'Log in' : 'Create an account'}</Link>
        </p>
      </div>
    </main>
  );
}
