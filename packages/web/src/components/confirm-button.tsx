/** @jsxRuntime automatic */
import { useEffect, useRef, useState } from 'react';

interface Props {
  /** What the first button says, e.g. "Force stop". */
  label: string;
  /** The question shown in place, e.g. "Stop survival for everyone?" */
  question: string;
  confirmLabel?: string;
  onConfirm: () => Promise<void> | void;
  busyLabel?: string;
}

/** A destructive action asked twice, in place (no modal to trap focus in). */
export function ConfirmButton({ label, question, confirmLabel = label, onConfirm, busyLabel = 'Working…' }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button ref={confirmRef} type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => void confirm()}>
        {busy ? busyLabel : confirmLabel}
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
