import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

interface DocResponse {
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}
interface DocOperation {
  responses: Record<string, DocResponse>;
}
/** The parts of an OpenAPI document the checker reads. */
export interface OpenApiDoc {
  servers?: { url: string }[];
  paths: Record<string, Record<string, DocOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** One response as the tests received it. */
export interface RecordedResponse {
  method: string;
  /** Path and query as requested, e.g. `/api/v1/users?limit=5`. */
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

const pointer = (segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/**
 * Checks responses against an OpenAPI document: the route and status must be documented,
 * the body must match the documented schema (204: no body), and documented headers
 * (`WWW-Authenticate`, `Retry-After`) must be present. Responses of undocumented routes
 * must still be the `Error` envelope. Every problem is kept in {@link problems}.
 */
export class Conformance {
  readonly problems: string[] = [];
  checked = 0;
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly base: string;
  private readonly routes: { method: string; template: string; pattern: RegExp }[];

  constructor(private readonly doc: OpenApiDoc) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, 'openapi');
    this.base = doc.servers?.[0]?.url ?? '';
    this.routes = Object.entries(doc.paths)
      .flatMap(([template, item]) =>
        Object.keys(item).map((method) => ({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i'),
        })),
      )
      // Static paths first, as the gateway matches them (`/users/me` before `/users/{id}`).
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  private validator(path: string[]): ValidateFunction {
    const ref = `openapi#/${pointer(path)}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  private fail(response: RecordedResponse, problem: string): void {
    this.problems.push(`${response.method} ${response.url} → ${response.status}: ${problem}`);
  }

  private checkJson(response: RecordedResponse, schemaPath: string[]): void {
    if (!response.headers.get('content-type')?.startsWith('application/json')) {
      this.fail(response, `content-type is ${response.headers.get('content-type')}`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      this.fail(response, 'body is not JSON');
      return;
    }
    const validate = this.validator(schemaPath);
    if (!validate(body)) this.fail(response, `body does not match the schema: ${this.ajv.errorsText(validate.errors)}`);
  }

  /** Checks one response; problems are recorded, not thrown. */
  check(response: RecordedResponse): void {
    this.checked += 1;
    // A password or its hash never appears in any API response (the document's examples may show one).
    if (response.url.startsWith(this.base) && /"password"\s*:|\$argon2/i.test(response.text))
      this.fail(response, 'body contains a password or a hash');
    if (/"stack"|\bat .+:\d+:\d+\)/.test(response.text)) this.fail(response, 'body contains a stack trace');
    const path = response.url.split('?', 1)[0] ?? '';
    const relative = path.startsWith(this.base) ? path.slice(this.base.length) : undefined;
    // The most static template matching the path owns it for every method (`DELETE /users/me`
    // is a 405 of `/users/me`, never a call of `/users/{id}`).
    const owner =
      relative === undefined ? undefined : this.routes.find((candidate) => candidate.pattern.test(relative))?.template;
    const route = this.routes.find((candidate) => candidate.template === owner && candidate.method === response.method);
    if (!route) {
      if (response.status >= 400) this.checkJson(response, ['components', 'schemas', 'Error']);
      return;
    }
    const operation = this.doc.paths[route.template]?.[route.method.toLowerCase()];
    const documented = operation?.responses[String(response.status)];
    if (!documented) {
      this.fail(response, `status not documented for ${route.method} ${route.template}`);
      return;
    }
    for (const [header, spec] of Object.entries(documented.headers ?? {})) {
      // A header documented `required: false` may be absent (a composed answer's x-basis-partial).
      if ((spec as { required?: unknown }).required === false) continue;
      if (!response.headers.has(header)) this.fail(response, `documented header ${header} is missing`);
    }
    if (!documented.content) {
      if (response.text !== '') this.fail(response, 'documented without content but has a body');
      return;
    }
    this.checkJson(response, [
      'paths',
      route.template,
      route.method.toLowerCase(),
      'responses',
      String(response.status),
      'content',
      'application/json',
      'schema',
    ]);
  }
}
