/** @jsxRuntime automatic */
import { ApiError, type AuthResponse, type Device, type GridClient, type User } from '@gridshare/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { TOKEN_KEY, tokenStore } from './token-store.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; user: User; device: Device; client: GridClient }
  | { status: 'error'; message: string };

export interface Session {
  state: SessionState;
  /** Stores the token of a signup or login and signs in. */
  signedIn(res: AuthResponse): void;
  logout(): Promise<void>;
  /** The coordinator no longer knows our token: back to the login page. */
  expire(): void;
  retry(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ base, children }: { base: GridClient; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const token = tokenStore.get();
    if (!token) {
      setState({ status: 'signed-out' });
      return;
    }
    let live = true;
    const client = base.withToken(token);
    setState({ status: 'loading' });
    client.me().then(
      ({ user, device }) => live && setState({ status: 'signed-in', user, device, client }),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.code === 'unauthorized') {
          tokenStore.clear();
          setState({ status: 'signed-out', notice: 'Your session has ended. Log in again.' });
        } else setState({ status: 'error', message: describeError(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [base, attempt]);

  // Logging in or out in another tab does the same here.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === TOKEN_KEY) setAttempt((a) => a + 1);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const signedIn = useCallback(
    (res: AuthResponse) => {
      tokenStore.set(res.token);
      setState({ status: 'signed-in', user: res.user, device: res.device, client: base.withToken(res.token) });
    },
    [base],
  );
  const logout = useCallback(async () => {
    if (state.status === 'signed-in') await state.client.logout().catch(() => {});
    tokenStore.clear();
    setState({ status: 'signed-out', notice: 'You are logged out.' });
  }, [state]);
  const expire = useCallback(() => {
    tokenStore.clear();
    setState({ status: 'signed-out', notice: 'Your session has ended. Log in again.' });
  }, []);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);

  const value = useMemo(() => ({ state, signedIn, logout, expire, retry }), [state, signedIn, logout, expire, retry]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user and their client; only for pages behind the login. */
export function useSignedIn(): Extract<SessionState, { status: 'signed-in' }> & { expire: () => void } {
  const s = useSession();
  if (s.state.status !== 'signed-in') throw new Error('useSignedIn while signed out');
  return { ...s.state, expire: s.expire };
}
