import { ApiError, type GridClient } from '@gridshare/protocol';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { EventsConnection } from './events-connection.js';
import { initialLiveGrid, type LiveGrid, liveGridReducer } from './grid-state.js';

/**
 * A grid kept current by its events socket: no polling. Reconnects by itself
 * (and at once when the browser comes back online).
 */
export function useGridLive(client: GridClient, gridId: string, enabled: boolean): LiveGrid & { retryNow: () => void } {
  const [state, dispatch] = useReducer(liveGridReducer, initialLiveGrid);
  const conn = useRef<EventsConnection | null>(null);

  useEffect(() => {
    dispatch({ type: 'reset' });
    if (!enabled) return;
    const c = new EventsConnection({
      url: () => client.eventsUrl(gridId),
      protocols: () => client.eventsProtocols(),
      onEvent: (event) => dispatch({ type: 'event', event }),
      onStatus: (status) => dispatch({ type: 'status', status }),
      onEnd: (reason) => dispatch({ type: 'ended', reason }),
      verify: async () => {
        try {
          await client.getGrid(gridId);
          return 'ok';
        } catch (err) {
          if (err instanceof ApiError && err.code === 'grid_not_found') return 'gone';
          if (err instanceof ApiError && err.code === 'unauthorized') return 'unauthorized';
          return 'ok';
        }
      },
    });
    conn.current = c;
    c.start();
    const online = () => c.retryNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      c.stop();
      conn.current = null;
    };
  }, [client, gridId, enabled]);

  const retryNow = useCallback(() => conn.current?.retryNow(), []);
  return { ...state, retryNow };
}
