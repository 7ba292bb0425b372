// An API operation: one endpoint described as data (id, method, path, scope, request and response schemas)
// plus a handler over the runtime services. The registry of operations is the single source of the HTTP-in
// flow (flows/20-api.json), the OpenAPI document and the checks the `api-endpoint` node applies.
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Scope } from '../auth/api-tokens.ts';
import type { Caller } from '../http/auth-middleware.ts';
import type { HeatgridServices } from '../services.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An error the API answers with as it is: status, snake_case code, human message, details. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown[] | undefined;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, details?: unknown[], headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export interface OperationContext<P, Q, B> {
  services: HeatgridServices;
  caller: Caller;
  params: P;
  query: Q;
  body: B;
  /** The client asked for CSV (`Accept: text/csv` or `?format=csv`) and the operation offers it. */
  wantsCsv: boolean;
  /** Appends to the audit log with the caller as actor. */
  audit(entry: { action: string; device?: string | null; point?: string | null; oldValue?: string | number | boolean | null; newValue?: string | number | boolean | null; outcome?: string; detail?: string | null }): void;
}

export interface OperationResult<R> {
  status?: number;
  body?: R;
  /** A non-JSON answer (CSV); `body` is then ignored. */
  text?: { contentType: string; content: string; filename?: string };
  headers?: Record<string, string>;
}

export interface OperationSpec<P extends TObject, Q extends TObject, B extends TSchema, R extends TSchema> {
  /** Stable id used by the node's `operation` property, e.g. "devices.list". */
  id: string;
  method: HttpMethod;
  /** Express-style path under the host root, e.g. /api/v1/devices/:id. */
  path: string;
  summary: string;
  description?: string;
  /** OpenAPI tag (groups operations in the docs). */
  tag: string;
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** Media type of the request body; default application/json. */
  bodyType?: 'application/json' | 'text/csv';
  /** Success status; default 200. */
  status?: number;
  response: R;
  /** Also answers text/csv. */
  csv?: boolean;
  /** Status codes (besides 400/401/403/429/500) the operation may answer, for the docs. */
  errors?: number[];
  handler(ctx: OperationContext<Static<P>, Static<Q>, Static<B>>): Promise<OperationResult<Static<R>>> | OperationResult<Static<R>>;
}

// The registry holds operations of every shape; the handler's types are checked where each is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiOperation = OperationSpec<TObject, TObject, TSchema, TSchema> & { handler(ctx: OperationContext<any, any, any>): Promise<OperationResult<unknown>> | OperationResult<unknown> };

export function defineOperation<P extends TObject, Q extends TObject, B extends TSchema, R extends TSchema>(spec: OperationSpec<P, Q, B, R>): ApiOperation {
  return spec as unknown as ApiOperation;
}

export const API_BASE = '/api/v1';
