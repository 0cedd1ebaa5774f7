import '../testing/dom.js';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { useState } from 'react';
import { h } from '../testing/app.js';
import { assertFocused } from '../testing/focus.js';
import { ConfirmButton } from './confirm-button.js';

afterEach(cleanup);

/** A list whose rows each have a confirm-in-place Remove; `keepRow` keeps the row and drops only the button. */
function Rows({ keepRow = false }: { keepRow?: boolean }) {
  const [items, setItems] = useState([
    { name: 'a', done: false },
    { name: 'b', done: false },
  ]);
  const finish = (name: string) => setItems((list) => (keepRow ? list.map((i) => (i.name === name ? { ...i, done: true } : i)) : list.filter((i) => i.name !== name)));
  return h(
    'section',
    { 'aria-labelledby': 'rows-title' },
    h('h2', { id: 'rows-title' }, 'Rows'),
    h(
      'ul',
      { 'aria-label': 'Rows' },
      items.map((i) =>
        h('li', { key: i.name, 'data-name': i.name }, i.name, i.done ? ' (done)' : h(ConfirmButton, { label: `Remove ${i.name}`, question: `Remove ${i.name}?`, confirmLabel: 'Yes', onConfirm: async () => finish(i.name) })),
      ),
    ),
  );
}

const settle = () => act(async () => {});

test('Escape cancels the question and puts focus back on the button that asked it', async () => {
  render(h(Rows));
  fireEvent.click(screen.getByRole('button', { name: 'Remove a' }));
  const yes = screen.getByRole('button', { name: 'Yes' });
  await settle();
  assertFocused(yes, 'the confirm button');
  fireEvent.keyDown(yes, { key: 'Escape' });
  await settle();
  assert.equal(screen.queryByRole('group', { name: 'Remove a?' }), null);
  assertFocused(screen.getByRole('button', { name: 'Remove a' }), 'the Remove a button');
});

test('Cancel puts focus back on the button that asked', async () => {
  render(h(Rows));
  fireEvent.click(screen.getByRole('button', { name: 'Remove b' }));
  await settle();
  const cancel = screen.getByRole('button', { name: 'Cancel' });
  cancel.focus();
  fireEvent.click(cancel);
  await settle();
  assertFocused(screen.getByRole('button', { name: 'Remove b' }), 'the Remove b button');
});

test('after confirming, focus stays on the action when it is still offered', async () => {
  render(h(ConfirmButton, { label: 'Close all', question: 'Close all?', confirmLabel: 'Close them', onConfirm: async () => {} }));
  fireEvent.click(screen.getByRole('button', { name: 'Close all' }));
  await settle();
  fireEvent.click(screen.getByRole('button', { name: 'Close them' }));
  await settle();
  assertFocused(screen.getByRole('button', { name: 'Close all' }), 'the Close all button');
});

test('after confirming removes its row, focus goes to the list, not the page body', async () => {
  render(h(Rows));
  fireEvent.click(screen.getByRole('button', { name: 'Remove a' }));
  await settle();
  fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
  await settle();
  assert.equal(document.querySelector('li[data-name="a"]'), null);
  assertFocused(screen.getByRole('list', { name: 'Rows' }), 'the list');
  assert.ok(within(document.activeElement as HTMLElement).getByRole('button', { name: 'Remove b' }), 'the rest of the list is where focus went');
});

test('after confirming removes only the button, focus goes to its row', async () => {
  render(h(Rows, { keepRow: true }));
  fireEvent.click(screen.getByRole('button', { name: 'Remove a' }));
  await settle();
  fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
  await settle();
  assertFocused(document.querySelector('li[data-name="a"]'), 'row a');
  assert.match(document.activeElement!.textContent!, /a \(done\)/);
});

test('a removed action outside any list sends focus to its section’s heading', async () => {
  function Card() {
    const [open, setOpen] = useState(true);
    return h(
      'section',
      { 'aria-labelledby': 'c-title' },
      h('h2', { id: 'c-title' }, 'Connections'),
      h('div', null, open && h(ConfirmButton, { label: 'Close all', question: 'Close all?', confirmLabel: 'Close them', onConfirm: async () => setOpen(false) })),
    );
  }
  render(h(Card));
  fireEvent.click(screen.getByRole('button', { name: 'Close all' }));
  await settle();
  fireEvent.click(screen.getByRole('button', { name: 'Close them' }));
  await settle();
  assertFocused(screen.getByRole('heading', { name: 'Connections' }), 'the section heading');
});

test('a removal elsewhere does not move focus the user put somewhere else', async () => {
  function Other() {
    const [shown, setShown] = useState(true);
    return h('ul', null, h('li', null, shown && h(ConfirmButton, { label: 'Revoke', question: 'Revoke?', onConfirm: () => {} })), h('li', null, h('button', { type: 'button', onClick: () => setShown(false) }, 'Hide')));
  }
  render(h(Other));
  const hide = screen.getByRole('button', { name: 'Hide' });
  hide.focus();
  fireEvent.click(hide);
  await settle();
  assertFocused(hide, 'the Hide button');
});
