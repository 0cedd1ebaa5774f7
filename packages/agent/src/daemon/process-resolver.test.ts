import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentError } from '../errors.js';
import { pickProcess, type ProcessCandidate, type Want } from './process-resolver.js';

const HOME = 'aaaaaaaa-0000-4000-8000-000000000000';
const WORK = 'bbbbbbbb-0000-4000-8000-000000000000';
const proc = (id: string, name: string, state: string, gridId = HOME): ProcessCandidate => ({
  id,
  name,
  gridId,
  state,
  active: state === 'running' || state === 'backoff',
});
const here = { where: 'on this PC', list: 'grid status' };
const pick = (items: ProcessCandidate[], ref: string, want: Want) => pickProcess(items, ref, want, here);
const fails = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof AgentError && e.code === code && message.test(e.message));

// One sleeper stopped, another run in the same grid since: the reviewer's case.
const oldSleeper = proc('11111111-0000-4000-8000-000000000000', 'sleeper', 'stopped');
const newSleeper = proc('22222222-0000-4000-8000-000000000000', 'sleeper', 'running');

test('a name shared with stopped processes means the running one, for commands on running processes', () => {
  assert.equal(pick([oldSleeper, newSleeper], 'sleeper', 'prefer-active'), newSleeper);
  assert.equal(pick([oldSleeper, newSleeper], 'sleeper', 'active'), newSleeper);
  // grid rm wants the finished one
  assert.equal(pick([oldSleeper, newSleeper], 'sleeper', 'finished'), oldSleeper);
});

test('several stopped ones in one grid: counted right, states said, the id suggested and not --grid', () => {
  const exited = proc('33333333-0000-4000-8000-000000000000', 'sleeper', 'exited');
  fails(() => pick([oldSleeper, { ...newSleeper, state: 'stopped', active: false }], 'sleeper', 'prefer-active'), 'process_ambiguous', /^2 stopped processes are called 'sleeper'; use the id shown by `grid status`: 11111111, 22222222$/);
  fails(() => pick([oldSleeper, exited], 'sleeper', 'prefer-active'), 'process_ambiguous', /^2 processes are called 'sleeper' \(1 stopped, 1 exited\); use the id shown by `grid status`: 11111111 \(stopped\), 33333333 \(exited\)$/);
  fails(() => pick([oldSleeper, exited], 'sleeper', 'active'), 'process_not_found', /no running process called 'sleeper' on this PC; the 2 by that name are not running \(1 stopped, 1 exited\)/);
  fails(() => pick([oldSleeper], 'sleeper', 'active'), 'process_not_found', /'sleeper' \(11111111\) is not running: it is stopped/);
});

test('running ones in different grids: --grid is suggested', () => {
  const a = proc('44444444-0000-4000-8000-000000000000', 'web', 'running', HOME);
  const b = proc('55555555-0000-4000-8000-000000000000', 'web', 'running', WORK);
  fails(() => pick([a, b], 'web', 'active'), 'process_ambiguous', /^2 running processes are called 'web'; use --grid or the id \(see `grid status`\): 44444444, 55555555$/);
});

test('an id prefix names one; one that two ids share says which', () => {
  const a = proc('66666666-0000-4000-8000-000000000000', 'web', 'running');
  const b = proc('66666677-0000-4000-8000-000000000000', 'db', 'running');
  assert.equal(pick([a, b], '66666666', 'active'), a);
  fails(() => pick([a, b], '666666', 'active'), 'process_ambiguous', /'666666' is the start of 2 process ids: 66666666 \(web, running\), 66666677 \(db, running\); type more of the id/);
  fails(() => pick([a, b], 'nothing', 'prefer-active'), 'process_not_found', /no process called 'nothing' on this PC \(see `grid status`\)/);
});

test('rm refuses a running process', () => {
  fails(() => pick([newSleeper], 'sleeper', 'finished'), 'process_running', /'sleeper' is still running; stop it first \(grid stop sleeper\)/);
});
