// What the API needs besides its HTTP-in flows, mounted at /api/v1 in front of them:
//   - CORS (off unless HEATGRID_CORS_ORIGINS is set),
//   - request body reading with our limits and errors (400 malformed JSON, 413 too large, 415 media type),
//     so no bad body ever reaches Node-RED's body parsers (which answer 500 for them),
//   - GET openapi.json, the docs page, and the SSE stream (not sensible as HTTP-in flows).
// Mounted by the host (`app.use('/api/v1', apiHostRouter(...))`) or, when the host has not, by the
// api-endpoint node package on RED.httpNode when it loads; either way exactly once per process.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { packageVersion } from '../paths.ts';
import type { HeatgridServices } from '../services.ts';
import { errorResponse } from './dispatch.ts';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from './docs-page.ts';
import { buildOpenApi } from './openapi.ts';
import { ApiError } from './operation.ts';
import { allOperations } from './registry.ts';
import { streamHandler } from './stream.ts';
import { reportDownload } from './operations/reports.ts';

export const JSON_BODY_LIMIT = 1024 * 1024;
export const CSV_BODY_LIMIT = 10 * 1024 * 1024;

function fail(res: Response, err: ApiError): void {
  const r = errorResponse(err);
  if (err.status === 413) r.headers.Connection = 'close';
  res.status(r.status).set(r.headers).json(r.body);
}

export function corsHandler(origins: readonly string[]) {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (!origins.length || !origin || (!any && !allowed.has(origin))) {
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) return void res.status(204).end(); // preflight refused: no CORS headers
      return next();
    }
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (!any) {
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.append('Vary', 'Origin');
    }
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, Location, Content-Disposition');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
      res.setHeader('Access-Control-Max-Age', '600');
      return void res.status(204).end();
    }
    next();
  };
}

/** Reads JSON and CSV bodies with limits; leaves `req.body` parsed and marks it read for later parsers. */
export function bodyReader() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const json = type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
    const text = type === 'text/csv' || type === 'text/plain';
    if (!json && !text) return fail(res, new ApiError(415, 'unsupported_media_type', `send application/json (or text/csv where an operation says so), not "${type.slice(0, 80) || 'no Content-Type'}"`));
    const limit = json ? JSON_BODY_LIMIT : CSV_BODY_LIMIT;
    if (length !== undefined && Number(length) > limit) {
      req.resume();
      return fail(res, new ApiError(413, 'payload_too_large', `the body may be at most ${limit} bytes`, [{ field: 'body', message: `${length} bytes` }]));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.resume();
        return fail(res, new ApiError(413, 'payload_too_large', `the body may be at most ${limit} bytes`));
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        fail(res, new ApiError(400, 'invalid_body', 'the body could not be read'));
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      let body: string;
      try {
        body = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)).replace(/^\uFEFF/, '');
      } catch {
        return fail(res, new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8'));
      }
      let parsed: unknown = body;
      if (json) {
        try {
          parsed = JSON.parse(body);
        } catch (err) {
          return fail(res, new ApiError(400, 'malformed_json', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`));
        }
      }
      (req as Request & { _body?: boolean }).body = parsed;
      (req as Request & { _body?: boolean })._body = true; // body-parser (in Node-RED's http-in) leaves a read body alone
      next();
    });
  };
}

let openApiCache: { count: number; doc: unknown } | null = null;

function openApiDocument(): unknown {
  const ops = allOperations();
  if (!openApiCache || openApiCache.count !== ops.length) openApiCache = { count: ops.length, doc: buildOpenApi(ops, packageVersion) };
  return openApiCache.doc;
}

const MOUNTED = Symbol.for('heatgrid.api-host-routes');
type Slot = { [MOUNTED]?: boolean };

export function apiHostRoutesMounted(): boolean {
  return (globalThis as Slot)[MOUNTED] === true;
}

/** The router for /api/v1 (mount it after authentication, before Node-RED's httpNode). */
export function apiHostRouter(servicesOf: () => HeatgridServices): Router {
  (globalThis as Slot)[MOUNTED] = true;
  const router = express.Router();
  let cors: ReturnType<typeof corsHandler> | null = null;
  router.use((req, res, next) => (cors ??= corsHandler(servicesOf().config.corsOrigins ?? []))(req, res, next));
  router.use(bodyReader());
  const page = (type: string, content: string, csp = true) => (_req: Request, res: Response) => {
    res.set('Content-Type', type);
    if (csp) res.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'self'");
    res.send(content);
  };
  router.get('/openapi.json', (_req, res) => void res.json(openApiDocument()));
  router.get('/docs', page('text/html; charset=utf-8', DOCS_HTML));
  router.get('/docs.js', page('text/javascript; charset=utf-8', DOCS_JS, false));
  router.get('/docs.css', page('text/css; charset=utf-8', DOCS_CSS, false));
  router.get('/stream', streamHandler(servicesOf));
  // Report files stream from disk (up to tens of MB); an HTTP-in flow's response node sends msg.payload whole.
  router.get('/report-runs/:runId/files/:name', reportDownload(servicesOf));
  return router;
}

/** For the host, after Node-RED's httpNode: unknown /api/v1 paths answer in the API's error shape. */
export function apiNotFound() {
  return (req: Request, res: Response): void => fail(res, new ApiError(404, 'not_found', `no API operation ${req.method} ${req.originalUrl.split('?')[0]!.slice(0, 200)}`));
}
