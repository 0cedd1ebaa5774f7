import { ApiError, type GridClient, type GridDetailResponse } from '@gridshare/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../app/errors.js';

export type GridDetail =
  | { status: 'loading' }
  | { status: 'ok'; detail: GridDetailResponse }
  | { status: 'not-found' }
  | { status: 'unauthorized' }
  | { status: 'error'; message: string };

/** The grid's name and members, once; the events socket keeps them current afterwards. */
export function useGridDetail(client: GridClient, gridId: string): GridDetail & { retry: () => void } {
  const [state, setState] = useState<GridDetail>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    client.getGrid(gridId).then(
      (detail) => live && setState({ status: 'ok', detail }),
      (err: unknown) => {
        if (!live) return;
        const code = err instanceof ApiError ? err.code : undefined;
        if (code === 'grid_not_found' || code === 'validation_failed') setState({ status: 'not-found' });
        else if (code === 'unauthorized') setState({ status: 'unauthorized' });
        else setState({ status: 'error', message: describeError(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [client, gridId, attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { ...state, retry };
}
