import { useEffect } from 'react';

/**
 * Calls back when the user comes back to the page: the window regains focus,
 * or its tab is shown again. For data no live event announces (no timers).
 */
export function useOnReturn(callback: () => void): void {
  useEffect(() => {
    const onVisibility = () => {
      if (document.visibilityState === 'visible') callback();
    };
    window.addEventListener('focus', callback);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('focus', callback);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [callback]);
}
