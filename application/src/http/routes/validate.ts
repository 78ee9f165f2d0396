import type { TSchema } from '@sinclair/typebox';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import { ApiError, type Problem } from '../errors';

/**
 * The server's validation, from the routes' schemas: every problem of a request at once (path, query, body,
 * headers, in that order), each naming its field and saying what the field must be, so a client fixes a request
 * in one round trip. A schema's `description` is what its field must be ("a value date YYYY-MM-DD"); without
 * one, the message is made from the schema (its length, range or values).
 */

const options = { allErrors: true, strict: false, verbose: true } as const;
/** Bodies are JSON: their types are what they are. */
const bodies = addFormats(new Ajv2020(options));
/** Path, query and headers are text: `limit=50` is the integer 50, `count=true` the boolean. */
const texts = addFormats(new Ajv2020({ ...options, coerceTypes: true }));

const compiled = new WeakMap<TSchema, ValidateFunction>();
function compile(schema: TSchema, from: 'text' | 'json'): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = (from === 'text' ? texts : bodies).compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface Part {
  readonly schema: TSchema;
  /** Text parts are coerced to their schema's types in place (pass a copy). */
  readonly from: 'text' | 'json';
  readonly value: unknown;
  /** Where the part's fields are named from: a body's field is `legs[1].amountMinor`, a header by its name. */
  readonly prefix?: string;
}

/** Every problem of every part; none: the parts are valid (and the text parts coerced). */
export function problemsOf(parts: readonly Part[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    const v = compile(part.schema, part.from);
    if (v(part.value)) continue;
    for (const e of v.errors ?? []) {
      const p = problemOf(e, part.prefix);
      // One problem per field: an enum's and a type's refusal of the same value say the same thing.
      if (p === undefined || seen.has(p.field ?? '')) continue;
      seen.add(p.field ?? '');
      problems.push(p);
    }
  }
  return problems;
}

/** Throws every problem at once (the first as the answer's detail), or returns when there is none. */
export function refuse(problems: readonly Problem[]): void {
  const first = problems[0];
  if (first === undefined) return;
  throw new ApiError(
    'VALIDATION_FAILED',
    problems.length > 1 ? `${first.message} (and ${problems.length - 1} more: see errors)` : first.message,
    first.field === undefined ? undefined : { field: first.field },
    problems,
  );
}

/** `/legs/1/amountMinor` → `legs[1].amountMinor`. */
function fieldName(instancePath: string, prefix: string | undefined, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  let name = prefix ?? '';
  for (const raw of parts) {
    const p = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    name = /^\d+$/.test(p) ? `${name}[${p}]` : name === '' ? p : `${name}.${p}`;
  }
  return name === '' ? 'body' : name;
}

const or = (values: readonly unknown[]): string => {
  const v = values.map(String);
  return v.length <= 3
    ? `${v.slice(0, -1).join(', ')}${v.length > 1 ? ' or ' : ''}${v.at(-1) ?? ''}`
    : `one of ${v.join(', ')}`;
};

/** What a schema asks for, in words. */
export function expectation(schema: Record<string, unknown>): string {
  if (typeof schema.description === 'string') return schema.description;
  if (Array.isArray(schema.enum)) return or(schema.enum);
  if ('const' in schema) return JSON.stringify(schema.const);
  const range = (min: unknown, max: unknown, unit: string) =>
    typeof min === 'number' && typeof max === 'number'
      ? ` of ${min}-${max} ${unit}`
      : typeof max === 'number'
        ? ` of at most ${max} ${unit}`
        : typeof min === 'number'
          ? ` of at least ${min} ${unit}`
          : '';
  switch (schema.type) {
    case 'string':
      if (typeof schema.format === 'string') return `a ${schema.format} (RFC 3339)`;
      return `a string${range(schema.minLength, schema.maxLength, 'characters')}${typeof schema.pattern === 'string' ? ` matching ${schema.pattern}` : ''}`;
    case 'integer':
      return `an integer${typeof schema.minimum === 'number' && typeof schema.maximum === 'number' ? ` from ${schema.minimum} to ${schema.maximum}` : ''}`;
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return `an array${range(schema.minItems, schema.maxItems, 'items')}`;
    case 'object':
      return 'a JSON object';
    default:
      return 'a valid value';
  }
}

function problemOf(e: ErrorObject, prefix: string | undefined): Problem | undefined {
  const code = 'VALIDATION_FAILED' as const;
  switch (e.keyword) {
    case 'required': {
      const field = fieldName(
        e.instancePath,
        prefix,
        (e.params as { missingProperty: string }).missingProperty,
      );
      const property = (
        e.parentSchema as { properties?: Record<string, Record<string, unknown>> } | undefined
      )?.properties?.[(e.params as { missingProperty: string }).missingProperty];
      return {
        code,
        field,
        message: `${field} is required${property ? `: ${expectation(property)}` : ''}`,
      };
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const field = fieldName(e.instancePath, prefix);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        code,
        field,
        message: `${field} may hold only ${allowed.length > 0 ? allowed.join(', ') : 'nothing'}; not ${extra}`,
      };
    }
    case 'anyOf':
    case 'oneOf':
    case 'if':
      // The branches' own refusals say more; a union's summary adds nothing.
      return undefined;
    default: {
      const field = fieldName(e.instancePath, prefix);
      return {
        code,
        field,
        message: `${field} must be ${expectation(e.parentSchema ?? {})}`,
      };
    }
  }
}
