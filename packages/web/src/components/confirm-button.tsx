/** @jsxRuntime automatic */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useFocusRescue } from './focus-rescue.js';

interface Props {
  /** What the first button says, e.g. "Force stop". */
  label: string;
  /** The question shown in place, e.g. "Stop survival on alice’s desktop?" */
  question: string;
  confirmLabel?: string;
  onConfirm: () => Promise<void> | void;
  busyLabel?: string;
}

/**
 * A destructive action asked twice, in place (no modal to trap focus in).
 * Escape or Cancel puts focus back on the button; if confirming removes it,
 * focus goes to its row, list or section instead of the top of the page.
 */
export function ConfirmButton({ label, question, confirmLabel = label, onConfirm, busyLabel = 'Working…' }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLElement | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const { handlers, holdsFocus } = useFocusRescue(root);
  /** Set when the question closes with focus in it: the button that asked takes it back. */
  const refocus = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (refocus.current) root.current?.focus();
    refocus.current = false;
  }, [asking]);

  const close = () => {
    refocus.current = holdsFocus();
    setAsking(false);
  };
  if (!asking) {
    return (
      <button ref={(el) => void (root.current = el)} type="button" className="btn btn-small btn-danger-quiet" onClick={() => setAsking(true)} {...handlers}>
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
      close();
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || busy) return;
    e.stopPropagation();
    close();
  };
  return (
    <span ref={(el) => void (root.current = el)} className="confirm" role="group" aria-label={question} onKeyDown={onKeyDown} {...handlers}>
      <span className="confirm-question">{question}</span>
      <button ref={confirmRef} type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => void confirm()}>
        {busy ? busyLabel : confirmLabel}
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={close}>
        Cancel
      </button>
    </span>
  );
}
