// Runs one API operation for one request, the same way whoever calls it (the `api-endpoint` node, a test):
// caller → rate limit → scope → path/query/body against the operation's schemas → handler → response
// (checked against its schema) → { status, headers, body }. Every refusal is the one error shape
// { error: { code, message, details } }; an unexpected failure is a 500 with a reference, never a stack.
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { IncomingHttpHeaders } from 'node:http';
import { hasScope } from '../auth/api-tokens.ts';
import type { Caller } from '../http/auth-middleware.ts';
import { createLogger } from '../log.ts';
import type { HeatgridServices } from '../services.ts';
import { apiErrorOf } from './api-errors.ts';
import { ApiError, type ApiOperation, type OperationContext } from './operation.ts';
import { RateLimiter } from './rate-limit.ts';
import { check } from './schema-validator.ts';

const log = createLogger('api');

export interface ApiRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, CSV text, or undefined when the request had no body. */
  body: unknown;
  caller: Caller | null;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** A JSON value, or the text of a CSV answer. */
  body: unknown;
}

interface ApiState {
  limiter: RateLimiter;
}

const states = new WeakMap<HeatgridServices, ApiState>();

/** Per-runtime API state (rate-limit buckets), shared by every endpoint node and host route. */
export function apiState(services: HeatgridServices): ApiState {
  let state = states.get(services);
  if (!state) states.set(services, (state = { limiter: new RateLimiter() }));
  return state;
}

/** Responses are checked against their schemas unless HEATGRID_API_CHECK_RESPONSES=0 (see docs/api.md for the cost). */
const CHECK_RESPONSES = process.env.HEATGRID_API_CHECK_RESPONSES !== '0';

export function errorResponse(err: ApiError): ApiResponse {
  return {
    status: err.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...err.headers },
    body: { error: { code: err.code, message: err.message, ...(err.details?.length ? { details: err.details } : {}) } },
  };
}

function mediaType(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function wantsCsv(op: ApiOperation, req: ApiRequest): boolean {
  if (!op.csv) return false;
  if (req.query.format === 'csv') return true;
  if (req.query.format === 'json') return false;
  const accept = String(req.headers.accept ?? '');
  return /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept);
}

function authorise(op: ApiOperation, req: ApiRequest, services: HeatgridServices): Caller {
  const caller = req.caller;
  if (!caller) throw new ApiError(401, 'unauthenticated', 'Log in or send a bearer token', undefined, { 'WWW-Authenticate': 'Bearer realm="heatgrid"' });
  const wait = apiState(services).limiter.take(caller.key);
  if (wait > 0) throw new ApiError(429, 'rate_limited', `Too many requests; try again in ${Math.ceil(wait / 1000)} s`, undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
  if (!hasScope(caller.scopes, op.scope)) {
    throw new ApiError(403, 'insufficient_scope', `${op.id} needs the "${op.scope}" scope`, [{ required: op.scope, granted: [...caller.scopes] }]);
  }
  return caller;
}

function validateRequest(op: ApiOperation, req: ApiRequest): { params: unknown; query: unknown; body: unknown } {
  const params = { ...req.params };
  const query: Record<string, unknown> = { ...req.query };
  // `format` selects the representation of operations that offer CSV; it is part of their query schema.
  const problems = [
    ...(op.params ? check(op.params, params, { coerce: true, prefix: 'path' }) : []),
    ...check(op.query ?? EMPTY_QUERY, query, { coerce: true, prefix: 'query' }),
  ];
  let body: unknown = undefined;
  if (op.body) {
    const expected = op.bodyType ?? 'application/json';
    const type = mediaType(req.headers);
    const length = req.headers['content-length'];
    const sentNothing = (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
    if (req.body === undefined || req.body === '' || type === '' || sentNothing) {
      throw new ApiError(type && type !== expected ? 415 : 400, type && type !== expected ? 'unsupported_media_type' : 'missing_body', `send a ${expected} body`, [{ field: 'body', message: `Content-Type: ${expected}` }]);
    }
    if (type !== expected && !(expected === 'text/csv' && type === 'text/plain')) {
      throw new ApiError(415, 'unsupported_media_type', `this operation takes ${expected}, not ${type}`, [{ field: 'Content-Type', message: expected }]);
    }
    body = req.body;
    problems.push(...check(op.body, body, { prefix: 'body' }));
  }
  if (problems.length) throw new ApiError(400, 'invalid_request', `the request does not match ${op.id}: ${problems.slice(0, 3).map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
  return { params, query, body };
}

/** Runs `op` for `req`. Never throws; never answers a stack trace. */
export async function runOperation(op: ApiOperation, req: ApiRequest, services: HeatgridServices): Promise<ApiResponse> {
  try {
    const caller = authorise(op, req, services);
    const { params, query, body } = validateRequest(op, req);
    const csv = wantsCsv(op, req);
    const ctx: OperationContext<unknown, unknown, unknown> = {
      services,
      caller,
      params,
      query,
      body,
      wantsCsv: csv,
      audit: (e) =>
        services.historian.writeAudit([
          { ts: Date.now(), actor: caller.actor, action: e.action, device: e.device ?? null, point: e.point ?? null, oldValue: e.oldValue ?? null, newValue: e.newValue ?? null, outcome: e.outcome ?? 'ok', detail: e.detail ?? null },
        ]),
    };
    const result = await op.handler(ctx);
    const headers: Record<string, string> = { ...result.headers };
    if (result.text) {
      headers['Content-Type'] = result.text.contentType;
      if (result.text.filename) headers['Content-Disposition'] = `attachment; filename="${result.text.filename.replace(/[^\w.-]/g, '_')}"`;
      return { status: result.status ?? op.status ?? 200, headers, body: result.text.content };
    }
    const status = result.status ?? op.status ?? 200;
    if (CHECK_RESPONSES && status < 300) {
      const problems = check(op.response, result.body);
      if (problems.length) {
        log.error(`${op.id}: response does not match its schema: ${JSON.stringify(problems.slice(0, 5))}`);
        throw new Error(`response of ${op.id} does not match its schema`);
      }
    }
    headers['Content-Type'] = 'application/json; charset=utf-8';
    return { status, headers, body: result.body ?? {} };
  } catch (err) {
    const known = apiErrorOf(err);
    if (known) return errorResponse(known);
    const ref = randomUUID().slice(0, 8);
    log.error(`${op.id} failed (ref ${ref}): ${(err as Error)?.stack ?? String(err)}`);
    if (isUnavailable(err)) return errorResponse(new ApiError(503, 'dependency_unavailable', `a service this request needs is not available (ref ${ref})`, undefined, { 'Retry-After': '5' }));
    return errorResponse(new ApiError(500, 'internal_error', `the request failed inside Heatgrid; the runtime log has the details (ref ${ref})`));
  }
}

function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'SQLITE_BUSY'].includes(code);
}

const EMPTY_QUERY = Type.Object({}, { additionalProperties: false });
