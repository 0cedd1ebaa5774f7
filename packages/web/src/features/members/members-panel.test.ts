import '../../testing/dom.js';
import type { Member } from '@gridshare/protocol';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { useState } from 'react';
import { h } from '../../testing/app.js';
import { aDevice, ALICE, aMember, BOB } from '../../testing/fixtures.js';
import { assertFocused } from '../../testing/focus.js';
import { MembersPanel } from './members-panel.js';

afterEach(cleanup);

const alice = aMember();
const bob = aMember({ userId: BOB, username: 'bob', role: 'member' });
const MY_DEVICE = 'dddddddd-0000-4000-8000-000000000001';

/** The panel as the grid page drives it: the member is gone once the (live) list says so. */
function Panel() {
  const [members, setMembers] = useState<Member[]>([alice, bob]);
  return h(MembersPanel, {
    members,
    devices: [],
    processes: [],
    myId: ALICE,
    myDeviceId: MY_DEVICE,
    myRole: 'owner',
    onChangeRole: async () => {},
    onRemove: async (m: Member) => setMembers((list) => list.filter((x) => x.userId !== m.userId)),
  });
}

test('removing a member puts focus on the members list, not the top of the page', async () => {
  render(h(Panel));
  const row = screen.getByText('bob').closest('li')!;
  fireEvent.click(within(row).getByRole('button', { name: 'Remove' }));
  await act(async () => {});
  fireEvent.click(within(row).getByRole('button', { name: 'Remove' }));
  await act(async () => {});
  assert.equal(screen.queryByText('bob'), null);
  assertFocused(screen.getByRole('list', { name: 'Members' }), 'the members list');
});

test('a device chip is its dot and one run of text, so at any width it wraps as a line (no word becomes a column)', () => {
  const laptop = aDevice({ userId: BOB, name: 'a laptop with a long name', online: false, lastSeenAt: new Date(Date.now() - 7200_000).toISOString() });
  const browser = aDevice({ id: MY_DEVICE, name: 'Chrome on Linux' });
  render(h(MembersPanel, { members: [alice, bob], devices: [laptop, browser], processes: [], myId: ALICE, myDeviceId: MY_DEVICE, myRole: 'owner', onChangeRole: async () => {}, onRemove: async () => {} }));
  const chips = [...document.querySelectorAll<HTMLElement>('.device-chip')];
  assert.deepEqual(
    chips.map((c) => c.textContent),
    ['Chrome on Linux (this browser) online', 'a laptop with a long name offline · seen 2 h ago'],
  );
  for (const chip of chips) {
    // A flex container makes each of its children (and each bare text node) a box of its own.
    const boxes = [...chip.childNodes].filter((n) => n.nodeType !== 3 || n.textContent!.trim() !== '');
    assert.equal(boxes.length, 2, `dot and text in ${chip.textContent}`);
    assert.ok((boxes[0] as Element).classList.contains('device-dot'));
    assert.equal(boxes[1]!.nodeType, 1, 'the text is one element, not loose text nodes');
    assert.equal(boxes[1]!.textContent, chip.textContent);
  }
});
