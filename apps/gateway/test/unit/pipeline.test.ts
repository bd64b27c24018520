import { inputParser, outputParser } from '@basis/service-kit';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pipelineOf, publishPipeline } from '../../src/routers/pipeline.js';
import {
  asInvalidToken,
  BearerChallenge,
  createCallerFactory,
  type GatewayContext,
  publicProcedure,
  router,
} from '../../src/trpc.js';

const Input = z.object({ id: z.number().int() });
const Output = z.object({ id: z.number().int(), name: z.string() });
const meta = { openapi: { method: 'GET' as const, path: '/things/{id}' as const } };

describe('publishPipeline', () => {
  it('runs the one pipeline from the tRPC resolver with the raw input, and hands the same function to REST', async () => {
    const seen: unknown[] = [];
    const run = async (ctx: GatewayContext, rawInput: unknown) => {
      seen.push([ctx.requestId, rawInput]);
      return { id: 1, name: 'one' };
    };
    const procedure = publishPipeline({ type: 'query', meta, input: Input, output: Output, run });
    const caller = createCallerFactory(router({ thing: procedure }))({ requestId: 'r-1' } as GatewayContext);
    await expect(
      (caller as unknown as { thing(input: unknown): Promise<unknown> }).thing({ id: '7' }),
    ).resolves.toEqual({ id: 1, name: 'one' });
    // The raw input reaches the pipeline unparsed: tRPC parses nothing of its own.
    expect(seen).toEqual([['r-1', { id: '7' }]]);
    expect(pipelineOf(procedure)).toBe(run);
    // Documented where trpc-to-openapi and rest/input.ts read the schemas; the resolver is the only level.
    const def = procedure._def as unknown as {
      inputs: unknown[];
      output: unknown;
      middlewares: unknown[];
      type: string;
    };
    expect(def.inputs).toEqual([Input]);
    expect(def.output).toBe(Output);
    expect(def.middlewares).toHaveLength(1);
    expect(def.type).toBe('query');
  });

  it('knows no pipeline for a procedure built otherwise', () => {
    expect(pipelineOf(publicProcedure.query(() => 1))).toBeUndefined();
  });
});

describe('inputParser and outputParser', () => {
  it('answers bad input with BAD_REQUEST carrying the zod issues (the envelope names the field from them)', async () => {
    const parse = inputParser(Input);
    await expect(parse({ id: 7 })).resolves.toEqual({ id: 7 });
    const error = await parse({ id: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).cause).toMatchObject({ issues: [{ path: ['id'] }] });
  });

  it('answers an answer that breaks the published output with 500 Output validation failed', async () => {
    const parse = outputParser(Output);
    await expect(parse({ id: 1, name: 'n', hash: 'secret' })).resolves.toEqual({ id: 1, name: 'n' });
    await expect(parse({ id: 1 })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Output validation failed',
    });
  });

  it('parses through async refinements too', async () => {
    const parse = inputParser(z.string().refine(async (value) => value === 'ok'));
    await expect(parse('ok')).resolves.toBe('ok');
    await expect(parse('no')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('asInvalidToken', () => {
  it('turns a service’s UNAUTHORIZED into an invalid_token challenge and leaves other failures alone', () => {
    const revoked = asInvalidToken(new TRPCError({ code: 'UNAUTHORIZED', message: 'Session revoked' }));
    expect(revoked.code).toBe('UNAUTHORIZED');
    expect(revoked.message).toBe('Session revoked');
    expect(revoked.cause).toBeInstanceOf(BearerChallenge);
    expect((revoked.cause as BearerChallenge).challenge).toContain('invalid_token');

    const challenged = new TRPCError({ code: 'UNAUTHORIZED', message: 'm', cause: new BearerChallenge('Bearer') });
    expect(asInvalidToken(challenged)).toBe(challenged);
    const notFound = new TRPCError({ code: 'NOT_FOUND', message: 'User not found' });
    expect(asInvalidToken(notFound)).toBe(notFound);
    expect(asInvalidToken(new Error('boom')).code).toBe('INTERNAL_SERVER_ERROR');
  });
});
