/** @jsxRuntime automatic */
import type { ReactNode } from 'react';

/** Nothing here yet, and what to do about it. */
export function EmptyState({ title, children, actions, icon = '○' }: { title: string; children?: ReactNode; actions?: ReactNode; icon?: string }) {
  return (
    <div className="state state-empty">
      <div className="state-icon" aria-hidden="true">{icon}</div>
      <h2 className="state-title">{title}</h2>
      {children && <div className="state-body">{children}</div>}
      {actions && <div className="state-actions">{actions}</div>}
    </div>
  );
}

/** Something failed: say what, and offer the next step. */
export function ErrorState({ title, message, onRetry, actions }: { title: string; message: string; onRetry?: () => void; actions?: ReactNode }) {
  return (
    <div className="state state-error" role="alert">
      <div className="state-icon" aria-hidden="true">!</div>
      <h2 className="state-title">{title}</h2>
      <p className="state-body">{message}</p>
      <div className="state-actions">
        {onRetry && (
          <button type="button" className="btn btn-primary" onClick={onRetry}>
            Try again
          </button>
        )}
        {actions}
      </div>
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Inline error under a form or next to an action. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
