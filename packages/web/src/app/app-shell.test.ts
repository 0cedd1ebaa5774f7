import '../testing/dom.js';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { renderApp } from '../testing/app.js';

afterEach(cleanup);

/** What Tab can reach: inert content (and all inside it) is skipped by the browser. */
const isInert = (el: Element) => el.closest('[inert]') !== null;

test('the open drawer makes the page behind it inert, so Tab stays in the menu; closing it gives the page back', async () => {
  renderApp('/');
  await screen.findByRole('heading', { name: 'Hi, alice' });
  const main = screen.getByRole('main');
  const skip = screen.getByRole('link', { name: 'Skip to content' });
  const menu = screen.getByRole('button', { name: 'Open menu' });
  assert.equal(isInert(main), false);

  fireEvent.click(menu);
  assert.equal(isInert(main), true, 'the page behind the scrim');
  assert.equal(isInert(skip), true, 'the skip link leads into it');
  assert.equal(isInert(menu), false, 'the menu button closes it again');
  const nav = screen.getByRole('navigation', { name: 'Grids' });
  assert.equal(isInert(within(nav).getByRole('link', { name: /friends/ })), false);

  fireEvent.keyDown(window, { key: 'Escape' });
  assert.equal(isInert(main), false, 'Escape');
  assert.equal(isInert(skip), false);

  fireEvent.click(screen.getByRole('button', { name: 'Open menu' }));
  fireEvent.click(document.querySelector('.scrim')!);
  assert.equal(isInert(main), false, 'a tap on the scrim');

  fireEvent.click(screen.getByRole('button', { name: 'Open menu' }));
  fireEvent.click(within(nav).getByRole('link', { name: /My devices/ }));
  await screen.findByRole('heading', { name: 'Your devices' });
  assert.equal(isInert(main), false, 'following a link in it');
});

test('widening the window past the phone layout closes the drawer, so the page does not stay inert', async () => {
  const listeners = new Set<() => void>();
  const query = { matches: true, addEventListener: (_: string, l: () => void) => listeners.add(l), removeEventListener: (_: string, l: () => void) => listeners.delete(l) };
  window.matchMedia = ((q: string) => {
    assert.equal(q, '(max-width: 820px)');
    return query;
  }) as unknown as typeof window.matchMedia;
  try {
    renderApp('/');
    await screen.findByRole('heading', { name: 'Hi, alice' });
    fireEvent.click(screen.getByRole('button', { name: 'Open menu' }));
    assert.equal(isInert(screen.getByRole('main')), true);
    query.matches = false;
    act(() => listeners.forEach((l) => l()));
    assert.equal(isInert(screen.getByRole('main')), false);
    assert.equal(screen.getByRole('button', { name: 'Open menu' }).getAttribute('aria-expanded'), 'false');
  } finally {
    delete (window as { matchMedia?: unknown }).matchMedia;
  }
});
