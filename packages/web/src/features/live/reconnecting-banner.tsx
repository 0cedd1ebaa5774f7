/** @jsxRuntime automatic */
import type { LinkStatus } from './grid-state.js';

/** Shown while the live connection is cut: what you see may be out of date. */
export function ReconnectingBanner({ status, onRetry }: { status: LinkStatus; onRetry: () => void }) {
  if (status !== 'reconnecting') return null;
  return (
    <div className="banner banner-warning" role="status" aria-live="polite">
      <span className="spinner spinner-small" aria-hidden="true" />
      <span className="banner-text">
        <strong>Reconnecting…</strong> Lost the live connection to the server. What you see may be out of date until it is back.
      </span>
      <button type="button" className="btn btn-small" onClick={onRetry}>
        Retry now
      </button>
    </div>
  );
}
