import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DISPLAY_NAME_PATTERN } from './api/common.js';
import { describeValidation } from './validation-message.js';

const one = (keyword: string, instancePath: string, params: Record<string, unknown>, context = 'body') => describeValidation([{ keyword, instancePath, params }], context);

test('schema violations read as sentences about the field a person typed, never as schema jargon', () => {
  const cases: Array<[string, string]> = [
    [one('minLength', '/password', { limit: 8 }), 'password must be at least 8 characters'],
    [one('minLength', '/name', { limit: 1 }), 'name must not be empty'],
    [one('maxLength', '/name', { limit: 64 }), 'name must be at most 64 characters'],
    [one('maximum', '/expiresInSeconds', { limit: 2592000, comparison: '<=' }), 'expiresInSeconds must be at most 2592000'],
    [one('minimum', '/ports/0/port', { limit: 1 }), 'ports[0].port must be at least 1'],
    [one('type', '/health/cpuPercent', { type: 'number' }), 'health.cpuPercent must be a number'],
    [one('type', '', { type: 'object' }), 'the request body must be an object'],
    [one('maxItems', '/ports', { limit: 16 }), 'ports must have at most 16 items'],
    [one('format', '/connection', { format: 'uuid' }), 'connection must be a UUID'],
    [one('format', '/gridId', { format: 'uuid' }, 'params'), 'gridId in the path must be a UUID'],
    [one('pattern', '/lines', { pattern: '^[0-9]{1,6}$' }, 'querystring'), "query parameter 'lines' is not in the expected form"],
    [one('additionalProperties', '', { additionalProperty: 'verbose' }, 'querystring'), "the query string has an unknown field 'verbose'"],
    [one('required', '', { missingProperty: 'name' }), "the request body is missing the field 'name'"],
    [one('pattern', '/name', { pattern: DISPLAY_NAME_PATTERN }), 'name needs a visible character, and may not hold line breaks, control, invisible or text-direction characters'],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test('an enum or union says what is allowed', () => {
  const msg = describeValidation(
    [
      { keyword: 'const', instancePath: '/role', params: { allowedValue: 'admin' } },
      { keyword: 'const', instancePath: '/role', params: { allowedValue: 'member' } },
      { keyword: 'anyOf', instancePath: '/role', params: {} },
    ],
    'body',
  );
  assert.equal(msg, 'role must be one of: "admin", "member"');
});
