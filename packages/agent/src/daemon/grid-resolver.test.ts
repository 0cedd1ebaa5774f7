import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GridSummary } from '@gridshare/protocol';
import { AgentError } from '../errors.js';
import { pickGrid } from './grid-resolver.js';

const grid = (id: string, name: string): GridSummary => ({ id, name, createdAt: '2026-01-01T00:00:00.000Z', createdBy: id, role: 'owner', memberCount: 1 });
const home = grid('0b5cdacc-77a9-48ce-9e6d-e1e6fcafed88', 'home');
const work = grid('0b5cdd00-0000-4000-8000-000000000000', 'work');

test('a grid by id, name, or a unique id prefix', () => {
  assert.equal(pickGrid([home, work], home.id), home);
  assert.equal(pickGrid([home, work], 'Work'), work);
  assert.equal(pickGrid([home, work], '0b5cdacc'), home);
});

test('an id prefix two grids share, and an unknown name, say so', () => {
  assert.throws(
    () => pickGrid([home, work], '0b5cd'),
    (e: unknown) => e instanceof AgentError && e.code === 'grid_ambiguous' && /'0b5cd' is the start of 2 grid ids: .*\(home\).*\(work\); type more of the id/.test(e.message),
  );
  assert.throws(() => pickGrid([home, work], 'play'), (e: unknown) => e instanceof AgentError && e.code === 'grid_not_found');
});
