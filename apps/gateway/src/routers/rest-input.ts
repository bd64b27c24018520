import type { ProcedureContract } from '@basis/contracts';
import { z } from 'zod';

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);

/** Names of the `{param}` segments of a REST path template. */
export function pathParameters(path: string): string[] {
  return Array.from(path.matchAll(/\{([^}]+)\}/g), (match) => match[1] ?? '');
}

function kind(schema: z.ZodType): string {
  return schema._zod.def.type;
}

/**
 * The input schema a generated procedure declares, derived from the contract's input.
 *
 * trpc-to-openapi coerces every number/boolean field of an object input by setting
 * `coerce` on the field schema itself, in place, for bodies too. In place would flip
 * shared contract schemas (`UserId` is also part of `User`), and for bodies it would turn
 * `"isActive": "false"` into `true`. So:
 * - path and query fields get a coercing copy of their own (`/users/7` → `7`);
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
    } else if (COERCIBLE.has(kind(field))) {
      shape[key] = field.clone({ ...field._zod.def, coerce: true } as typeof field._zod.def);
    } else {
      shape[key] = field;
    }
  }
  const { id: _id, ...meta } = input.meta() ?? {};
  return z.object(shape).meta(meta);
}
