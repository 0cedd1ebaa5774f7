import assert from 'node:assert/strict';

/** Asserts where focus is, saying in words where it went instead (a DOM node diff is unreadable). */
export function assertFocused(expected: Element | null, what: string): void {
  const active = document.activeElement;
  if (active === expected) return;
  assert.fail(`focus should be on ${what}, but is on ${describe(active)}`);
}

function describe(el: Element | null): string {
  if (!el) return 'nothing';
  if (el === document.body) return '<body>';
  const label = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '';
  return `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}> "${label}"`;
}
