import '../../testing/dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { FRIENDS, renderApp } from '../../testing/app.js';
import { loadStyles } from '../../testing/styles.js';

let unload = () => {};
afterEach(() => {
  cleanup();
  unload();
});

const LONG = 'the friday night minecraft and board games crew';

test('a long grid name is cut short with an ellipsis in the sidebar, in full as its tooltip; the member count stays', async () => {
  unload = loadStyles('layout');
  renderApp('/', { 'GET /grids': () => ({ grids: [{ ...FRIENDS.grid, name: LONG, role: 'owner', memberCount: 12 }] }) });
  const nav = await screen.findByRole('navigation', { name: 'Grids' });
  const link = await within(nav).findByRole('link', { name: new RegExp(LONG) });
  assert.equal(link.getAttribute('title'), LONG);
  const list = link.closest('ul')!;
  const name = link.querySelector<HTMLElement>('.grid-link-name')!;
  const count = link.querySelector<HTMLElement>('.grid-link-meta')!;
  assert.equal(count.textContent, '12');

  // jsdom has no layout: check what the cascade gives the parts that decide it.
  // A grid's default column is as wide as its widest row's content (a nowrap name); minmax(0, 1fr) holds it to the sidebar.
  assert.match(getComputedStyle(list).gridTemplateColumns, /^minmax\(0,\s*1fr\)$/);
  const n = getComputedStyle(name);
  assert.deepEqual([n.minWidth, n.overflow, n.textOverflow, n.whiteSpace], ['0px', 'hidden', 'ellipsis', 'nowrap']);
  assert.equal(getComputedStyle(count).flexShrink, '0', 'the count never gives up its room to the name');
});
