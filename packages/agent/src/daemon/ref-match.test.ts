import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIdPrefix, matchRef, shortIds } from './ref-match.js';

const web = { id: '538232e7-4a1b-4c2d-8e3f-0123456789ab', name: 'web' };
const db = { id: '538232f1-0000-4000-8000-000000000000', name: 'db' };
const cafe = { id: 'cafe0000-0000-4000-8000-000000000000', name: 'beef' };
const items = [web, db, cafe];

test('a full id, a name (any case), or the start of an id as `grid ps` shows it', () => {
  assert.deepEqual(matchRef(items, web.id), { by: 'id', items: [web] });
  assert.deepEqual(matchRef(items, web.id.toUpperCase()), { by: 'id', items: [web] });
  assert.deepEqual(matchRef(items, ' WEB '), { by: 'name', items: [web] });
  assert.deepEqual(matchRef(items, '538232e7'), { by: 'prefix', items: [web] });
  assert.deepEqual(matchRef(items, '538232e7-4a'), { by: 'prefix', items: [web] });
  assert.deepEqual(matchRef(items, '5382'), { by: 'prefix', items: [web, db] });
  assert.deepEqual(matchRef(items, 'nope'), { by: 'name', items: [] });
});

test('a name wins over an id prefix that spells it; fewer than 4 hex digits is no prefix', () => {
  assert.deepEqual(matchRef(items, 'beef'), { by: 'name', items: [cafe] });
  assert.deepEqual(matchRef(items, 'cafe'), { by: 'prefix', items: [cafe] });
  assert.deepEqual(matchRef(items, '538'), { by: 'name', items: [] });
  assert.equal(isIdPrefix('538'), false);
  assert.equal(isIdPrefix('----'), false);
  assert.equal(isIdPrefix('53-82'), true);
  assert.equal(isIdPrefix(`${web.id}0`), false);
});

test('short ids are 8 characters, longer only where two would read the same', () => {
  assert.deepEqual(shortIds([web.id, cafe.id]), ['538232e7', 'cafe0000']);
  const twin = { id: '538232e7-ffff-4000-8000-000000000000' };
  assert.deepEqual(shortIds([web.id, twin.id]), ['538232e7-4', '538232e7-f']);
});
