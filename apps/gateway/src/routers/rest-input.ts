import type { ProcedureContract } from '@basis/contracts';
import { z } from 'zod';

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);
const INTEGER_FORMATS = new Set(['safeint', 'int32', 'uint32']);

/**
 * An integer as a path segment or a query parameter spells it: decimal digits with an optional
 * leading `-`, no `+`, no leading zero (`0` itself is fine), no exponent, no spaces.
 */
export const DECIMAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/** Names of the `{param}` segments of a REST path template. */
export function pathParameters(path: string): string[] {
  return Array.from(path.matchAll(/\{([^}]+)\}/g), (match) => match[1] ?? '');
}

function kind(schema: z.ZodType): string {
  return schema._zod.def.type;
}

/** The schema under `optional`, `default`, `nullable` and `prefault` wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (
    inner instanceof z.ZodOptional ||
    inner instanceof z.ZodDefault ||
    inner instanceof z.ZodNullable ||
    inner instanceof z.ZodPrefault
  ) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function isInteger(schema: z.ZodType): boolean {
  const inner = unwrapped(schema);
  return inner instanceof z.ZodNumber && inner.format !== null && INTEGER_FORMATS.has(inner.format);
}

/**
 * An integer path or query parameter, one rule for both: a string spelled as
 * {@link DECIMAL_INTEGER} becomes its number (the field then checks its range), any other string
 * (`1e1`, `0x10`, `05`, ` 5`, the empty `limit=`) is a 400 naming the parameter; a number (a
 * `/trpc` caller's JSON) and an absent parameter go to `field` as they are (its default applies).
 * Not `Number()` coercion, which also reads `1e2`, `0x10`, `01` and ` 1` as numbers.
 * @see RFC 3986 §6.2.2 (a resource has one spelling: `/users/01` is not `/users/1`)
 */
function strictInteger(name: string, field: z.ZodType, required: boolean): z.ZodType {
  return z
    .preprocess((value, ctx) => {
      if (typeof value !== 'string') return value;
      if (DECIMAL_INTEGER.test(value)) return Number(value);
      ctx.issues.push({
        code: 'custom',
        message: `${name} must be an integer in decimal digits (no sign +, leading zero, exponent or space)`,
        input: value,
      });
      return value;
    }, field)
    .meta({
      // zod-openapi reads a preprocess as optional on input; say what the field says.
      param: { required },
    });
}

/**
 * The input schema a generated procedure declares, derived from the contract's input.
 *
 * trpc-to-openapi coerces every number/boolean field of an object input by setting
 * `coerce` on the field schema itself, in place, for bodies too. In place would flip
 * shared contract schemas (`UserId` is also part of `User`), and for bodies it would turn
 * `"isActive": "false"` into `true`. So:
 * - integer path and query fields accept decimal digits only (`/users/7` → `7`, `?limit=5` → `5`;
 *   `/users/1e2`, `?limit=0x10`, `?limit=` → 400 naming the parameter);
 * - other path and query fields get a coercing copy of their own;
 * - body fields are wrapped in an identity pipe, which the adapter's coercion skips, so a
 *   JSON body keeps JSON's types (the OpenAPI document shows the wrapped schema unchanged).
 *
 * @returns the contract's input when it is not an object, else an equivalent object schema
 */
export function restInput(contract: ProcedureContract): z.ZodType {
  const { input, rest } = contract;
  if (!rest || !(input instanceof z.ZodObject)) return input;
  const inPath = new Set(pathParameters(rest.path));
  const hasBody = rest.method !== 'GET' && rest.method !== 'DELETE';
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(input.shape as Record<string, z.ZodType>)) {
    if (hasBody && !inPath.has(key)) {
      shape[key] = field.transform((value) => value);
    } else if (isInteger(field)) {
      shape[key] = strictInteger(key, field, inPath.has(key) || field._zod.optin !== 'optional');
    } else if (COERCIBLE.has(kind(field))) {
      shape[key] = field.clone({ ...field._zod.def, coerce: true } as typeof field._zod.def);
    } else {
      shape[key] = field;
    }
  }
  const { id: _id, ...meta } = input.meta() ?? {};
  return z.object(shape).meta(meta);
}
