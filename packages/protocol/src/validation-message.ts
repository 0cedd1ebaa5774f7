import { PATTERN_HINTS } from './api/common.js';

/** One schema violation as Ajv (Fastify's validator) reports it. */
export interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/ports/0/port` → `ports[0].port`. */
function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Where the violation is, as a person would say it: `password`, `query parameter 'lines'`, `gridId in the path`. */
function describeWhere(instancePath: string, context: string | undefined): string {
  const field = fieldName(instancePath);
  switch (context) {
    case 'querystring':
      return field ? `query parameter '${field}'` : 'the query string';
    case 'params':
      return field ? `${field} in the path` : 'the path';
    case 'headers':
      return field ? `header '${field}'` : 'the headers';
    default:
      return field || 'the request body';
  }
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

const plural = (n: unknown, one: string, many: string) => `${String(n)} ${Number(n) === 1 ? one : many}`;

/** One readable sentence from the first schema violation: where, and what was expected. */
export function describeValidation(issues: AjvIssue[], context: string | undefined): string {
  const first = issues[0];
  if (!first) return 'the request is not valid';
  const where = describeWhere(first.instancePath, context);
  const p = first.params;
  switch (first.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown field '${String(p.additionalProperty)}'`;
    case 'required':
      return `${where} is missing the field '${String(p.missingProperty)}'`;
    case 'const':
    case 'enum':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === first.instancePath && (i.keyword === 'const' || i.keyword === 'enum'))
        .flatMap((i) => (i.keyword === 'const' ? [i.params.allowedValue] : ((i.params.allowedValues as unknown[]) ?? [])));
      return allowed.length ? `${where} must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : `${where} ${first.message ?? 'is not valid'}`;
    }
    case 'type': {
      const types = String(p.type).split(',');
      return `${where} must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    }
    case 'minLength':
      return Number(p.limit) === 1 ? `${where} must not be empty` : `${where} must be at least ${plural(p.limit, 'character', 'characters')}`;
    case 'maxLength':
      return `${where} must be at most ${plural(p.limit, 'character', 'characters')}`;
    case 'minimum':
      return `${where} must be at least ${String(p.limit)}`;
    case 'maximum':
      return `${where} must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `${where} must be more than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `${where} must be less than ${String(p.limit)}`;
    case 'minItems':
      return `${where} must have at least ${plural(p.limit, 'item', 'items')}`;
    case 'maxItems':
      return `${where} must have at most ${plural(p.limit, 'item', 'items')}`;
    case 'minProperties':
      return `${where} must have at least ${plural(p.limit, 'field', 'fields')}`;
    case 'maxProperties':
      return `${where} must have at most ${plural(p.limit, 'field', 'fields')}`;
    case 'pattern':
      return `${where} ${PATTERN_HINTS[String(p.pattern)] ?? 'is not in the expected form'}`;
    case 'format':
      return p.format === 'uuid' ? `${where} must be a UUID` : `${where} is not in the expected form (${String(p.format)})`;
    default:
      return `${where} ${first.message ?? 'is not valid'}`;
  }
}
