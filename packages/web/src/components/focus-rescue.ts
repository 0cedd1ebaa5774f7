import { type RefObject, useCallback, useLayoutEffect, useRef } from 'react';

/** Where focus may land when what held it is gone: its row, its list, else its section's or page's heading. */
const HOME = 'li, ul, ol, section, main';

/**
 * Keeps keyboard users in place when the focused control is removed (its row
 * deleted, or the action no longer offered): browsers drop focus to <body>,
 * and the next Tab starts again from the top of the page.
 *
 * `ref` points at whatever the component draws; spread `handlers` on it so a
 * focus lost without a new target (a button disabled while busy) still counts
 * as ours. Returns whether focus is ours now, for the component's own use.
 */
export function useFocusRescue(ref: RefObject<HTMLElement | null>): { handlers: { onFocus: () => void; onBlur: (e: { relatedTarget: EventTarget | null }) => void }; holdsFocus: () => boolean } {
  const inside = useRef(false);
  const holdsFocus = useCallback(() => {
    const active = document.activeElement;
    if (ref.current && active && ref.current.contains(active)) return true;
    return inside.current && isLost(active);
  }, [ref]);

  // A layout effect's cleanup runs while the removed elements are still in the document: where they were is still known.
  useLayoutEffect(
    () => () => {
      const el = ref.current;
      if (!el || !holdsFocus()) return;
      const ancestors: HTMLElement[] = [];
      for (let a = el.parentElement; a; a = a.parentElement) ancestors.push(a);
      // After the commit that removes them.
      queueMicrotask(() => rescueFocus(ancestors));
    },
    [ref, holdsFocus],
  );

  return {
    handlers: {
      onFocus: () => {
        inside.current = true;
      },
      onBlur: (e) => {
        if (e.relatedTarget && !ref.current?.contains(e.relatedTarget as Node)) inside.current = false;
      },
    },
    holdsFocus,
  };
}

/** Moves focus to the nearest home still on the page, unless something else has it by now. */
export function rescueFocus(ancestors: readonly HTMLElement[]): void {
  if (!isLost(document.activeElement)) return;
  const home = ancestors.find((a) => a.isConnected && a.matches(HOME));
  if (!home) return;
  const target = home.matches('section, main') ? (home.querySelector<HTMLElement>('h1, h2') ?? home) : home;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}

function isLost(active: Element | null): boolean {
  return !active || active === document.body || !active.isConnected;
}
