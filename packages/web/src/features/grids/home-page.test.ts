import '../../testing/dom.js';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { renderApp } from '../../testing/app.js';
import { apiError } from '../../testing/fake-api.js';
import { GRID_ID } from '../../testing/fixtures.js';

afterEach(cleanup);

test('no grids yet: says how to get one', async () => {
  renderApp('/', { 'GET /grids': () => ({ grids: [] }) });
  await screen.findByRole('heading', { name: 'You are not in any grid yet' });
  assert.ok(screen.getByRole('link', { name: 'Create a grid' }));
  assert.equal(screen.getAllByRole('link', { name: /Join with a code/ }).length, 2);
});

test('my grids in the sidebar and on the home page', async () => {
  renderApp('/');
  const nav = await screen.findByRole('navigation', { name: 'Grids' });
  await screen.findByRole('heading', { name: 'Hi, alice' });
  assert.ok(nav.querySelector(`a[href="/grids/${GRID_ID}"]`));
  assert.match(screen.getByRole('main').textContent!, /friendsOwner · 1 member/);
});

test('the grids cannot be loaded: an error with a retry', async () => {
  let fail = true;
  renderApp('/', {
    'GET /grids': () => {
      if (fail) throw apiError(0, 'service_unavailable');
      return { grids: [] };
    },
  });
  await screen.findByRole('heading', { name: 'Could not load your grids' });
  assert.ok(screen.getByRole('navigation').textContent!.includes('Could not load your grids.'), 'the sidebar says so too');
  fail = false;
  fireEvent.click(within(screen.getByRole('main')).getByRole('button', { name: 'Try again' }));
  await screen.findByRole('heading', { name: 'You are not in any grid yet' });
});

test('join with a code: bad codes are explained before anything is sent; a used-up one says to ask again', async () => {
  renderApp('/join', {
    'POST /grids/join': () => {
      throw apiError(410, 'invite_used_up');
    },
  });
  const input = await screen.findByLabelText('Invite code');
  fireEvent.change(input, { target: { value: 'abc' } });
  fireEvent.click(screen.getByRole('button', { name: 'Join grid' }));
  assert.match((await screen.findByRole('alert')).textContent!, /ten letters and digits/);
  fireEvent.change(input, { target: { value: 'abcde-fghjk' } });
  assert.equal((input as HTMLInputElement).value, 'ABCDE-FGHJK');
  fireEvent.click(screen.getByRole('button', { name: 'Join grid' }));
  await screen.findByText(/used as many times as it allows/);
});

test('an unknown page is a not-found page with a way back', async () => {
  renderApp('/nowhere');
  await screen.findByRole('heading', { name: 'Page not found' });
  assert.ok(screen.getByRole('link', { name: 'Back to my grids' }));
});
