import '../../testing/dom.js';
import type { Invite } from '@gridshare/protocol';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { h } from '../../testing/app.js';
import { apiError, fakeClient } from '../../testing/fake-api.js';
import { anInvite, GRID_ID } from '../../testing/fixtures.js';
import { InvitePanel } from './invite-panel.js';

afterEach(cleanup);
const base = `/grids/${GRID_ID}/invites`;

test('a new invite: the code large as XXXXX-XXXXX, copy buttons, expiry and uses; revoke marks it', async () => {
  let sent: unknown;
  const made = anInvite({ code: 'TNTWXNNZK2', expiresAt: new Date(Date.now() + 86_400_000 + 5000).toISOString(), maxUses: 5 });
  const { client, calls } = fakeClient({
    [`GET ${base}`]: () => ({ invites: [] }),
    [`POST ${base}`]: (body) => {
      sent = body;
      return { invite: made };
    },
    [`DELETE ${base}/TNTWXNNZK2`]: () => undefined,
  });
  render(h(InvitePanel, { client, gridId: GRID_ID }));
  await screen.findByText(/No invites yet/);
  fireEvent.change(screen.getByLabelText('Expires after'), { target: { value: '86400' } });
  fireEvent.change(screen.getByLabelText('Can be used'), { target: { value: '5' } });
  fireEvent.click(screen.getByRole('button', { name: 'Create invite' }));
  const code = await screen.findByTestId('invite-code');
  assert.equal(code.textContent, 'TNTWX-NNZK2');
  assert.deepEqual(sent, { expiresInSeconds: 86400, maxUses: 5 });
  const fresh = code.closest('section')!;
  assert.ok(within(fresh).getByRole('button', { name: 'Copy code' }));
  assert.ok(within(fresh).getByRole('button', { name: 'Copy link' }));
  assert.match(fresh.textContent!, /Expires in 1 d · 0 of 5 uses/);

  const row = screen.getByText('Active').closest('li')!;
  fireEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
  fireEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
  await waitFor(() => assert.ok(within(row).getByText('Revoked', { selector: '.pill' }), 'the row says Revoked'));
  assert.equal(screen.queryByTestId('invite-code'), null, 'a revoked code is not offered any more');
  assert.ok(calls.includes(`DELETE ${base}/TNTWXNNZK2`));
});

test('the list shows each invite’s state: active, expired, used up, revoked', async () => {
  const invites: Invite[] = [
    anInvite({ code: 'AAAAA22222', createdAt: '2026-12-04T10:00:04Z' }),
    anInvite({ code: 'BBBBB22222', expiresAt: '2020-01-01T00:00:00Z', createdAt: '2026-12-04T10:00:03Z' }),
    anInvite({ code: 'CCCCC22222', maxUses: 1, uses: 1, createdAt: '2026-12-04T10:00:02Z' }),
    anInvite({ code: 'DDDDD22222', revoked: true, createdAt: '2026-12-04T10:00:01Z' }),
  ];
  const { client } = fakeClient({ [`GET ${base}`]: () => ({ invites }) });
  render(h(InvitePanel, { client, gridId: GRID_ID }));
  await screen.findByText('AAAAA-22222');
  const rows = screen.getAllByRole('listitem').map((li) => li.textContent);
  assert.match(rows[0]!, /AAAAA-22222Active.*Never expires · 0 uses, no limit.*Revoke/);
  assert.match(rows[1]!, /BBBBB-22222Expired/);
  assert.match(rows[2]!, /CCCCC-22222Used up.*1 of 1 use/);
  assert.match(rows[3]!, /DDDDD-22222Revoked/);
  assert.equal(screen.getAllByRole('button', { name: 'Revoke' }).length, 1, 'only an active invite can be revoked');
});

test('errors say what to do: loading fails with a retry; creating fails inline', async () => {
  let fail = true;
  const { client } = fakeClient({
    [`GET ${base}`]: () => {
      if (fail) throw apiError(503, 'service_unavailable');
      return { invites: [] };
    },
    [`POST ${base}`]: () => {
      throw apiError(403, 'forbidden');
    },
  });
  render(h(InvitePanel, { client, gridId: GRID_ID }));
  await screen.findByRole('heading', { name: 'Could not load the invites' });
  fail = false;
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await screen.findByText(/No invites yet/);
  fireEvent.click(screen.getByRole('button', { name: 'Create invite' }));
  const alert = await screen.findByRole('alert');
  assert.match(alert.textContent!, /permission/);
});

/** An invites endpoint whose one invite has been used `uses` times, counting how often it is asked. */
function usesServer() {
  const state = { uses: 0, gets: 0 };
  const { client } = fakeClient({
    [`GET ${base}`]: () => {
      state.gets++;
      return { invites: [anInvite({ code: 'AAAAA22222', maxUses: 5, uses: state.uses })] };
    },
  });
  return { client, state };
}

test('someone joining (a member event on the live socket) reloads the list, so its use count is current', async () => {
  const { client, state } = usesServer();
  const view = render(h(InvitePanel, { client, gridId: GRID_ID, memberJoins: 0 }));
  await screen.findByText(/0 of 5 uses/);
  state.uses = 1;
  view.rerender(h(InvitePanel, { client, gridId: GRID_ID, memberJoins: 1 }));
  await screen.findByText(/1 of 5 uses/);
  assert.equal(state.gets, 2);
});

test('coming back to the window (focus, or the tab shown again) reloads the list', async () => {
  const { client, state } = usesServer();
  render(h(InvitePanel, { client, gridId: GRID_ID, memberJoins: 0 }));
  await screen.findByText(/0 of 5 uses/);
  state.uses = 1;
  fireEvent.focus(window);
  await screen.findByText(/1 of 5 uses/);
  state.uses = 2;
  fireEvent(document, new Event('visibilitychange'));
  await screen.findByText(/2 of 5 uses/);
  assert.equal(state.gets, 3);
});

test('a fresh code’s card shows its uses from the latest list too', async () => {
  let uses = 0;
  const made = anInvite({ code: 'TNTWXNNZK2', maxUses: 5 });
  const { client } = fakeClient({
    [`GET ${base}`]: () => ({ invites: uses ? [{ ...made, uses }] : [] }),
    [`POST ${base}`]: () => ({ invite: made }),
  });
  const view = render(h(InvitePanel, { client, gridId: GRID_ID, memberJoins: 0 }));
  await screen.findByText(/No invites yet/);
  fireEvent.click(screen.getByRole('button', { name: 'Create invite' }));
  const card = (await screen.findByTestId('invite-code')).closest('section')!;
  assert.match(card.textContent!, /0 of 5 uses/);
  uses = 1;
  view.rerender(h(InvitePanel, { client, gridId: GRID_ID, memberJoins: 1 }));
  await waitFor(() => assert.match(card.textContent!, /1 of 5 uses/));
});
