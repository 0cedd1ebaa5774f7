/** @jsxRuntime automatic */
import type { GridClient } from '@gridshare/protocol';
import { useEffect } from 'react';
import { NotFoundPage } from '../components/not-found-page.js';
import { ErrorState, Loading } from '../components/states.js';
import { AuthPage } from '../features/auth/auth-page.js';
import { SessionProvider, useSession } from '../features/auth/session-context.js';
import { CreateGridPage } from '../features/grids/create-grid-page.js';
import { DevicesPage } from '../features/devices/devices-page.js';
import { GridsProvider } from '../features/grids/grids-context.js';
import { HomePage } from '../features/grids/home-page.js';
import { JoinGridPage } from '../features/grids/join-grid-page.js';
import { GridPage } from '../features/workspace/grid-page.js';
import { AppShell } from './app-shell.js';
import { navigate, useLocation } from './router.js';
import { matchRoute, paths, type Route } from './routes.js';

export function App({ base }: { base: GridClient }) {
  return (
    <SessionProvider base={base}>
      <Pages base={base} />
    </SessionProvider>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Pages({ base }: { base: GridClient }) {
  const { state, retry } = useSession();
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname, search);

  if (state.status === 'loading') {
    return (
      <main className="auth" id="main">
        <Loading label="Loading Gridshare…" />
      </main>
    );
  }
  if (state.status === 'error') {
    return (
      <main className="auth" id="main">
        <ErrorState title="Could not reach Gridshare" message={state.message} onRetry={retry} />
      </main>
    );
  }
  if (state.status === 'signed-out') {
    // Any page asks for a login in place, so after it you land where you meant to go.
    return <AuthPage key={route.name} mode={route.name === 'signup' ? 'signup' : 'login'} base={base} notice={state.notice} />;
  }
  if (route.name === 'login' || route.name === 'signup') return <Redirect to={paths.home()} />;
  return (
    <GridsProvider>
      <AppShell>
        <Page route={route} />
      </AppShell>
    </GridsProvider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'home':
      return <HomePage />;
    case 'new-grid':
      return <CreateGridPage />;
    case 'devices':
      return <DevicesPage />;
    case 'join':
      return <JoinGridPage key={route.code} initialCode={route.code} />;
    case 'grid':
      return <GridPage key={route.gridId} gridId={route.gridId} view={{ kind: 'tab', tab: route.tab }} />;
    case 'process':
      return <GridPage key={route.gridId} gridId={route.gridId} view={{ kind: 'process', processId: route.processId }} />;
    default:
      return <NotFoundPage />;
  }
}
