/** @jsxRuntime automatic */
import { ApiError, type GridSummary } from '@gridshare/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { describeError } from '../../app/errors.js';
import { useSignedIn } from '../auth/session-context.js';

export interface GridsState {
  grids: GridSummary[] | null;
  error: string | null;
  refresh: () => Promise<void>;
}

const GridsContext = createContext<GridsState | null>(null);

/** My grids, for the sidebar and the home page; refreshed after create, join, leave and removal. */
export function GridsProvider({ children }: { children: ReactNode }) {
  const { client, expire } = useSignedIn();
  const [grids, setGrids] = useState<GridSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const res = await client.listGrids();
      setGrids(res.grids.slice().sort((a, b) => a.name.localeCompare(b.name)));
      setError(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized') expire();
      else setError(describeError(err));
    }
  }, [client, expire]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo(() => ({ grids, error, refresh }), [grids, error, refresh]);
  return <GridsContext.Provider value={value}>{children}</GridsContext.Provider>;
}

export function useGrids(): GridsState {
  const g = useContext(GridsContext);
  if (!g) throw new Error('useGrids outside GridsProvider');
  return g;
}
