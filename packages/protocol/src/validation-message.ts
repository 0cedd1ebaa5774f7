import { PATTERN_HINTS } from './api/common.js';

/** One schema violation as Ajv (Fastify's validator) reports it. */
export interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** One readable sentence from the first schema violation: where, and what was expected. */
export function describeValidation(issues: AjvIssue[], context: string | undefined): string {
  const first = issues[0];
  if (!first) return 'the request is not valid';
  const where = `${context ?? 'request'}${first.instancePath}`;
  switch (first.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown field '${String(first.params.additionalProperty)}'`;
    case 'required':
      return `${where} is missing the field '${String(first.params.missingProperty)}'`;
    case 'const':
    case 'enum':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === first.instancePath && (i.keyword === 'const' || i.keyword === 'enum'))
        .flatMap((i) => (i.keyword === 'const' ? [i.params.allowedValue] : ((i.params.allowedValues as unknown[]) ?? [])));
      return allowed.length ? `${where} must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : `${where} ${first.message ?? 'is not valid'}`;
    }
    case 'pattern': {
      const hint = PATTERN_HINTS[String(first.params.pattern)];
      if (hint) return `${where} ${hint}`;
      return `${where} is not in the expected form`;
    }
    case 'format':
      return `${where} is not in the expected form${first.keyword === 'format' ? ` (${String(first.params.format)})` : ''}`;
    default:
      return `${where} ${first.message ?? 'is not valid'}`;
  }
}
