import type { ProcedureContract } from '@basis/contracts';
import { z } from 'zod';

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);
const INTEGER_FORMATS = new Set(['safeint', 'int32', 'uint32']);

/** A positive integer as a path segment spells it: decimal digits, no sign, no leading zero. */
export const DECIMAL_POSITIVE_INTEGER = /^[1-9][0-9]*$/;

/** Names of the `{param}` segments of a REST path template. */
export function pathParameters(path: string): string[] {
  return Array.from(path.matchAll(/\{([^}]+)\}/g), (match) => match[1] ?? '');
}

function kind(schema: z.ZodType): string {
  return schema._zod.def.type;
}

function isInteger(schema: z.ZodType): boolean {
  return schema instanceof z.ZodNumber && schema.format !== null && INTEGER_FORMATS.has(schema.format);
}

/**
 * An integer path parameter: a string of decimal digits becomes its number, any other string is a
 * 400 naming the parameter; a number (a `/trpc` caller's JSON) goes to `field` as is. Not
 * `Number()` coercion, which also reads `1e2`, `0x10`, `01` and ` 1` as numbers.
 * @see RFC 3986 §6.2.2 (a resource has one spelling: `/users/01` is not `/users/1`)
 */
function strictPathInteger(name: string, field: z.ZodType): z.ZodType {
  return z
    .preprocess((value, ctx) => {
      if (typeof value !== 'string') return value;
      if (DECIMAL_POSITIVE_INTEGER.test(value)) return Number(value);
      ctx.issues.push({
        code: 'custom',
        message: `${name} must be a positive integer in decimal digits`,
        input: value,
      });
      return value;
    }, field)
    .meta({
      // zod-openapi reads a preprocess as optional on input; a path parameter never is.
      param: { required: true },
    });
}

/**
 * The input schema a generated procedure declares, derived from the contract's input.
 *
 * trpc-to-openapi coerces every number/boolean field of an object input by setting
 * `coerce` on the field schema itself, in place, for bodies too. In place would flip
 * shared contract schemas (`UserId` is also part of `User`), and for bodies it would turn
 * `"isActive": "false"` into `true`. So:
 * - integer path fields accept decimal digits only (`/users/7` → `7`; `/users/1e2` → 400);
 * - other path and query fields get a coercing copy of their own (`?limit=5` → `5`);
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
    } else if (inPath.has(key) && isInteger(field)) {
      shape[key] = strictPathInteger(key, field);
    } else if (COERCIBLE.has(kind(field))) {
      shape[key] = field.clone({ ...field._zod.def, coerce: true } as typeof field._zod.def);
    } else {
      shape[key] = field;
    }
  }
  const { id: _id, ...meta } = input.meta() ?? {};
  return z.object(shape).meta(meta);
}
