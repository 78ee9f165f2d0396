import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The building blocks of the API's schemas (TypeBox: each value is a JSON Schema and carries its TypeScript type).
 * Kept free of Node imports: the console takes the API's types from here and from `shapes.ts`.
 */

/** Marks a schema as a named component of the OpenAPI document (`#/components/schemas/<name>`). */
export const COMPONENT = Symbol('tallystick.component');

/** A named, shared schema: the document refers to it by name wherever a route uses it. */
export function component<T extends TSchema>(name: string, schema: T): T {
  return Object.assign(schema, { [COMPONENT]: name });
}

export const componentName = (schema: object): string | undefined =>
  (schema as { [COMPONENT]?: string })[COMPONENT];

/** A closed object: every property named, the required ones required (an answer with another field is a defect). */
export const Obj = <P extends Parameters<typeof Type.Object>[0]>(properties: P, description?: string) =>
  Type.Object(properties, {
    additionalProperties: false,
    ...(description === undefined ? {} : { description }),
  });

/** A string of bounded length; `description` is what the field must be, and the refusal says so. */
export const Str = (options: { min?: number; max?: number; pattern?: string; description?: string } = {}) =>
  Type.String({
    ...(options.min === undefined ? {} : { minLength: options.min }),
    ...(options.max === undefined ? {} : { maxLength: options.max }),
    ...(options.pattern === undefined ? {} : { pattern: options.pattern }),
    ...(options.description === undefined ? {} : { description: options.description }),
  });

/** One of a closed list of strings (a `const` tuple of the core: BREAK_STATUSES, LEG_ROLES, ...). */
export const OneOf = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An integer count or position. */
export const Int = (options: { min?: number; max?: number; description?: string } = {}) =>
  Type.Integer({
    ...(options.min === undefined ? {} : { minimum: options.min }),
    ...(options.max === undefined ? {} : { maximum: options.max }),
    ...(options.description === undefined ? {} : { description: options.description }),
  });

/** A decimal string of an integer (amounts in minor units, block numbers): JSON numbers lose precision. */
export const Decimal = (description: string) => Type.String({ pattern: '^-?[0-9]+$', description });

/** A UTC time, ISO 8601. */
export const Time = (description?: string) =>
  Type.String({ format: 'date-time', ...(description === undefined ? {} : { description }) });

/** Any JSON value (a ledger record's stored value, a difference's two sides). */
export const AnyJson = (description: string) => Type.Unknown({ description });

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The TypeScript type of what a schema accepts, read-only throughout (what clients hold, what handlers return). */
export type Shape<S extends TSchema> = DeepReadonly<Static<S>>;
