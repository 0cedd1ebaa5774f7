import '../../testing/dom.js';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ME, renderApp } from '../../testing/app.js';
import { apiError } from '../../testing/fake-api.js';
import { TOKEN_KEY } from './token-store.js';

afterEach(cleanup);

function fill(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
}

test('log in: the browser is a device named from its user agent; the token is kept in localStorage', async () => {
  let body: unknown;
  Object.defineProperty(window.navigator, 'userAgent', { configurable: true, value: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' });
  renderApp('/login', { 'POST /auth/login': (b) => ((body = b), { ...ME, token: 'gst_new' }) }, null);
  await screen.findByRole('heading', { name: 'Welcome back' });
  assert.match(document.body.textContent!, /listed as the device Chrome on Linux/);
  fill('alice', 'correct horse');
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  await screen.findByRole('heading', { name: 'Hi, alice' });
  assert.deepEqual(body, { username: 'alice', password: 'correct horse', deviceName: 'Chrome on Linux' });
  assert.equal(window.localStorage.getItem(TOKEN_KEY), 'gst_new');
  assert.equal(window.location.pathname, '/');
});

test('wrong password: says so and stays', async () => {
  renderApp('/login', {
    'POST /auth/login': () => {
      throw apiError(401, 'invalid_credentials');
    },
  }, null);
  await screen.findByRole('heading', { name: 'Welcome back' });
  fill('alice', 'wrong password');
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  assert.match((await screen.findByRole('alert')).textContent!, /do not match/);
  assert.equal(window.localStorage.getItem(TOKEN_KEY), null);
});

test('sign up from the login page; a taken name is explained', async () => {
  renderApp('/login', {
    'POST /auth/signup': () => {
      throw apiError(409, 'username_taken');
    },
  }, null);
  fireEvent.click(await screen.findByRole('link', { name: 'Create an account' }));
  await screen.findByRole('heading', { name: 'Create your account' });
  fill('alice', 'correct horse');
  fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
  assert.match((await screen.findByRole('alert')).textContent!, /taken/);
});

test("a username the browser refuses says which format it wants (the title goes into the browser's bubble)", async () => {
  renderApp('/signup', {}, null);
  await screen.findByRole('heading', { name: 'Create your account' });
  const input = screen.getByLabelText('Username') as HTMLInputElement;
  fireEvent.change(input, { target: { value: '.dotted' } });
  assert.equal(input.validity.patternMismatch, true, 'the browser refuses it before any request');
  assert.match(input.title, /letters, digits, dots, dashes or underscores, starting with a letter or digit/);
});

test('log out revokes the token and forgets it; a revoked token on load asks to log in again', async () => {
  const { calls } = renderApp('/', { 'POST /auth/logout': () => undefined });
  fireEvent.click(await screen.findByRole('button', { name: 'Log out' }));
  await screen.findByRole('heading', { name: 'Welcome back' });
  assert.ok(calls.includes('POST /auth/logout'));
  assert.equal(window.localStorage.getItem(TOKEN_KEY), null);
  cleanup();

  renderApp('/', {
    'GET /me': () => {
      throw apiError(401, 'unauthorized');
    },
  });
  await screen.findByText('Your session has ended. Log in again.');
});
