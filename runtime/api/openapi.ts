// The OpenAPI 3.1 document, generated from the operation registry: the same TypeBox schemas that check
// requests and responses (JSON Schema 2020-12, which OpenAPI 3.1 uses as it is). Schemas with an $id
// become components and are referenced.
import type { TSchema } from '@sinclair/typebox';
import { SCOPES } from '../auth/api-tokens.ts';
import type { ApiOperation } from './operation.ts';
import { ErrorBody } from './schemas.ts';

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed request (bad JSON, unknown or wrongly typed fields or parameters)',
  401: 'Not logged in and no valid bearer token',
  403: 'The caller lacks the scope this operation needs',
  404: 'Not found',
  409: 'Conflict with the current state (id taken, built-in protected)',
  413: 'Body too large',
  415: 'Unsupported Content-Type',
  422: 'Well-formed but refused (the domain rules list every problem in details)',
  429: 'Rate limit reached; see Retry-After',
  500: 'Unexpected failure inside Heatgrid (the log has a reference)',
  503: 'A dependency (storage, a controller) is not available',
};

type Json = Record<string, unknown>;

export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
}

export function buildOpenApi(operations: readonly ApiOperation[], version: string): Json {
  const components: Record<string, unknown> = {};
  const emit = (schema: unknown, top = false): unknown => {
    if (Array.isArray(schema)) return schema.map((s) => emit(s));
    if (!schema || typeof schema !== 'object') return schema;
    const s = schema as Json;
    if (typeof s.$id === 'string' && !top) {
      if (!(s.$id in components)) {
        components[s.$id] = {}; // placeholder against recursion
        components[s.$id] = emit(s, true);
      }
      return { $ref: `#/components/schemas/${s.$id}` };
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(s)) if (k !== '$id') out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, emit(ps)])) : emit(v);
    return out;
  };
  const errorRef = emit(ErrorBody);
  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  for (const op of operations) {
    tags.add(op.tag);
    const parameters: Json[] = [];
    const props = (schema: TSchema | undefined) => Object.entries(((schema as Json | undefined)?.properties ?? {}) as Record<string, Json>);
    const required = (schema: TSchema | undefined) => new Set(((schema as Json | undefined)?.required ?? []) as string[]);
    for (const [name, s] of props(op.params)) parameters.push({ name, in: 'path', required: true, schema: emit(s), ...(s.description ? { description: s.description } : {}) });
    const req = required(op.query);
    for (const [name, s] of props(op.query)) parameters.push({ name, in: 'query', required: req.has(name), schema: emit(s), ...(s.description ? { description: s.description } : {}) });
    const ok: Json = { description: 'Success', content: { 'application/json': { schema: emit(op.response) } } };
    if (op.csv) (ok.content as Json)['text/csv'] = { schema: { type: 'string' } };
    const responses: Json = { [String(op.status ?? 200)]: ok };
    for (const status of [...new Set([400, 401, 403, ...(op.errors ?? []), 429, 500])].sort()) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: errorRef } } };
    }
    const operation: Json = {
      operationId: op.id,
      summary: op.summary,
      description: `${op.description ? `${op.description}\n\n` : ''}Scope: \`${op.scope}\`.`,
      tags: [op.tag],
      'x-heatgrid-scope': op.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: emit(op.body) } } } } : {}),
      responses,
    };
    const path = openApiPath(op.path);
    (paths[path] ??= {})[op.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Heatgrid API',
      version,
      description:
        'District-heating SCADA API. Authenticate with `Authorization: Bearer hg_...` (an API token) or a login session. ' +
        `Scopes: ${SCOPES.join(', ')} (admin implies all). Times are ISO 8601 with offset. Errors: {"error": {"code", "message", "details"}}. ` +
        'Live events: Server-Sent Events at /api/v1/stream?devices=a,b|group=g|all=true&types=readings,status,alarms.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (hg_...) or a session token from /auth/login' },
        session: { type: 'apiKey', in: 'cookie', name: 'heatgrid_session' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  };
}
