/** Every page of the app, parsed from the URL path. Pure, so it is tested without a browser. */
export type Route =
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'home' }
  | { name: 'new-grid' }
  | { name: 'devices' }
  | { name: 'join'; code: string }
  | { name: 'grid'; gridId: string; tab: GridTab }
  | { name: 'process'; gridId: string; processId: string }
  | { name: 'not-found' };

export type GridTab = 'processes' | 'members' | 'invites';

const UUID = '[0-9a-fA-F-]{36}';
const GRID = new RegExp(`^/grids/(${UUID})(?:/(members|invites))?/?$`);
const PROCESS = new RegExp(`^/grids/(${UUID})/processes/(${UUID})/?$`);

export function matchRoute(pathname: string, search = ''): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  switch (path) {
    case '/':
      return { name: 'home' };
    case '/login':
      return { name: 'login' };
    case '/signup':
      return { name: 'signup' };
    case '/new':
      return { name: 'new-grid' };
    case '/devices':
      return { name: 'devices' };
    case '/join':
      return { name: 'join', code: new URLSearchParams(search).get('code') ?? '' };
  }
  const p = PROCESS.exec(path);
  if (p) return { name: 'process', gridId: p[1]!.toLowerCase(), processId: p[2]!.toLowerCase() };
  const g = GRID.exec(path);
  if (g) return { name: 'grid', gridId: g[1]!.toLowerCase(), tab: (g[2] as GridTab | undefined) ?? 'processes' };
  return { name: 'not-found' };
}

export const paths = {
  home: () => '/',
  login: () => '/login',
  signup: () => '/signup',
  newGrid: () => '/new',
  devices: () => '/devices',
  join: (code?: string) => (code ? `/join?code=${encodeURIComponent(code)}` : '/join'),
  grid: (gridId: string, tab: GridTab = 'processes') => (tab === 'processes' ? `/grids/${gridId}` : `/grids/${gridId}/${tab}`),
  process: (gridId: string, processId: string) => `/grids/${gridId}/processes/${processId}`,
};
