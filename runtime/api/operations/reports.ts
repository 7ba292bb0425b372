// Reports: definitions CRUD, run now (202 + Location of the run), runs with their progress, files and
// deliveries, and the download of a stored file. Everything goes through ReportService; its ReportErrors
// become API answers in api-errors.ts (invalid_report 422, report_exists 409, *_not_found 404).
//
// Paths: runs are their own resource (/report-runs), not /reports/runs: the generated flow registers http-in
// routes sorted by path, and /reports/:id would answer for /reports/runs.
//
// Downloads (GET /report-runs/:runId/files/:name) are a host route (reportDownload below, mounted in
// host-routes.ts like the stream): a stored file can be tens of MB (PDF of 1,000 devices), and the
// http-response node of an HTTP-in flow sends msg.payload whole, it cannot stream.
//
// Scopes: reading definitions and runs and downloading files need `read`; creating, changing and deleting
// definitions `manage:rules` (definitions are configuration like alarm rules: engineers and admins); running a
// stored definition needs `read` (it reads data the caller may read anyway and mails only the receivers an
// engineer configured); at most one queued or running manual run per definition, so a caller cannot fill
// the queue.
import type { Request, Response } from 'express';
import { Type, type Static } from '@sinclair/typebox';
import { hasScope } from '../../auth/api-tokens.ts';
import { callerOf } from '../../http/auth-middleware.ts';
import { parseSelection, SelectionError } from '../../devices/selection.ts';
import { ReportError } from '../../reports/definition-validation.ts';
import type { ReportDefinition, ReportRun } from '../../reports/types.ts';
import type { HeatgridServices } from '../../services.ts';
import { apiErrorOf } from '../api-errors.ts';
import { apiState, errorResponse } from '../dispatch.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { epochOf, iso, isoOrNull } from '../views.ts';

const MAX_WAIT_S = 30;
const DefinitionParams = Type.Object({ id: S.Id }, { additionalProperties: false });
const RunParams = Type.Object({ runId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export const runPath = (id: string) => `${API_BASE}/report-runs/${id}`;
export const filePath = (runId: string, name: string) => `${API_BASE}/report-runs/${runId}/files/${encodeURIComponent(name)}`;

function reportsOf(services: HeatgridServices) {
  if (!services.reports) throw new ApiError(503, 'reports_unavailable', 'the report service is not running in this runtime', undefined, { 'Retry-After': '5' });
  return services.reports;
}

export function definitionView(def: ReportDefinition, nextDue: number | null): Static<typeof S.ReportDefinition> {
  return { ...(def as unknown as Static<typeof S.ReportDefinition>), createdAt: iso(def.createdAt), updatedAt: iso(def.updatedAt), nextRunAt: isoOrNull(nextDue) };
}

export function runView(r: ReportRun): Static<typeof S.ReportRun> {
  return {
    id: r.id,
    definitionId: r.definitionId,
    title: r.title,
    trigger: r.trigger,
    scheduledFor: isoOrNull(r.scheduledFor),
    status: r.status,
    period: { from: iso(r.period.from), to: iso(r.period.to) },
    devices: r.devices,
    progress: r.progress,
    createdAt: iso(r.createdAt),
    startedAt: isoOrNull(r.startedAt),
    finishedAt: isoOrNull(r.finishedAt),
    durationMs: r.durationMs,
    error: r.error,
    files: r.files.map((f) => ({ name: f.name, format: f.format, bytes: f.bytes, contentType: f.contentType, available: f.available, url: f.available ? filePath(r.id, f.name) : null })),
    deliveries: r.deliveries.map((d) => ({ kind: d.kind, to: d.to, state: d.state, attempts: d.attempts, lastError: d.lastError, sentAt: isoOrNull(d.sentAt) })),
    expiresAt: isoOrNull(r.expiresAt),
  };
}

function view(services: HeatgridServices, def: ReportDefinition): Static<typeof S.ReportDefinition> {
  return definitionView(def, reportsOf(services).nextDue(def.id));
}

/** createdAt/updatedAt of a body that was fetched and sent back are ignored; the service keeps its own. */
function withoutTimes(body: Static<typeof S.ReportDefinitionInput>): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, ...rest } = body;
  return rest;
}

/** A definition naming an unknown group or device would only fail when it runs: refuse it now (422). */
function checkSelection(services: HeatgridServices, devices: unknown): void {
  let selection;
  try {
    selection = parseSelection(devices);
  } catch {
    return; // the report service names shape problems with the rest
  }
  if ('all' in selection) return;
  try {
    services.selections.resolve(selection);
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    throw new ReportError('invalid_report', 'invalid report definition', (err.details.length ? err.details : [{ field: '', message: err.message }]).map((d) => ({ field: d.field ? `devices.${d.field}` : 'devices', message: d.message })));
  }
}

export const reportOperations: ApiOperation[] = [
  defineOperation({
    id: 'reports.list',
    method: 'GET',
    path: `${API_BASE}/reports`,
    tag: 'reports',
    summary: 'List report definitions, with the next scheduled run of each',
    scope: 'read',
    response: S.ReportDefinitionList,
    handler: ({ services }) => ({ body: { items: reportsOf(services).list().map((d) => view(services, d)) } }),
  }),
  defineOperation({
    id: 'reports.create',
    method: 'POST',
    path: `${API_BASE}/reports`,
    tag: 'reports',
    summary: 'Create a report definition (period, devices, points and aggregation, interval, formats, schedule, delivery)',
    description: 'Without an id, a UUID is assigned. The report service checks cron expressions, e-mail addresses, locales, dates and groups (422 invalid_report naming every problem).',
    scope: 'manage:rules',
    body: S.ReportDefinitionInput,
    status: 201,
    response: S.ReportDefinition,
    errors: [409, 413, 415, 422],
    handler: ({ services, body, audit }) => {
      const reports = reportsOf(services);
      checkSelection(services, body.devices);
      const def = reports.create(withoutTimes(body));
      audit({ action: 'report.create', newValue: def.id, detail: JSON.stringify(def) });
      return { status: 201, body: view(services, def), headers: { Location: `${API_BASE}/reports/${def.id}` } };
    },
  }),
  defineOperation({
    id: 'reports.get',
    method: 'GET',
    path: `${API_BASE}/reports/:id`,
    tag: 'reports',
    summary: 'One report definition',
    scope: 'read',
    params: DefinitionParams,
    response: S.ReportDefinition,
    errors: [404],
    handler: ({ services, params }) => ({ body: view(services, reportsOf(services).get(params.id)) }),
  }),
  defineOperation({
    id: 'reports.update',
    method: 'PUT',
    path: `${API_BASE}/reports/:id`,
    tag: 'reports',
    summary: 'Replace a report definition (id and creation time stay; a changed schedule counts from now)',
    scope: 'manage:rules',
    params: DefinitionParams,
    body: S.ReportDefinitionInput,
    response: S.ReportDefinition,
    errors: [404, 413, 415, 422],
    handler: ({ services, params, body, audit }) => {
      const reports = reportsOf(services);
      const before = reports.get(params.id);
      if (body.id !== undefined && body.id !== params.id) throw new ApiError(422, 'invalid_report', 'the id of a report definition never changes', [{ field: 'id', message: `must be "${params.id}" or left out` }]);
      checkSelection(services, body.devices);
      const def = reports.update(params.id, withoutTimes(body));
      audit({ action: 'report.update', oldValue: JSON.stringify(before), newValue: JSON.stringify(def), detail: def.id });
      return { body: view(services, def) };
    },
  }),
  defineOperation({
    id: 'reports.delete',
    method: 'DELETE',
    path: `${API_BASE}/reports/:id`,
    tag: 'reports',
    summary: 'Remove a report definition and its schedule; past runs and their files stay until their retention ends',
    scope: 'manage:rules',
    params: DefinitionParams,
    response: S.ReportDefinition,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const reports = reportsOf(services);
      const def = reports.get(params.id);
      reports.delete(params.id);
      audit({ action: 'report.delete', oldValue: def.id, detail: JSON.stringify(def) });
      return { body: definitionView(def, null) };
    },
  }),
  defineOperation({
    id: 'reports.run',
    method: 'POST',
    path: `${API_BASE}/reports/:id/run`,
    tag: 'reports',
    summary: 'Run a stored definition now: 202 with the queued run and its Location; poll it (wait= long-polls) and download its files',
    description:
      'reference (ISO time) moves "now" for the period, e.g. reference=2026-02-15T00:00:00+01:00 with last-month reports January. ' +
      'At most one manual run per definition is queued or running: another answers 409 run_in_progress with the Location of that run.',
    scope: 'read',
    params: DefinitionParams,
    query: Type.Object({ reference: Type.Optional(S.IsoTime) }, { additionalProperties: false }),
    status: 202,
    response: S.ReportRunStarted,
    errors: [404, 409],
    handler: ({ services, params, query, audit }) => {
      const reports = reportsOf(services);
      reports.get(params.id);
      const pending = [...reports.listRuns({ definitionId: params.id, status: 'queued', limit: 50 }), ...reports.listRuns({ definitionId: params.id, status: 'running', limit: 50 })].find((r) => r.trigger === 'manual');
      if (pending) {
        throw new ApiError(409, 'run_in_progress', `a run of "${params.id}" is ${pending.status} (${pending.id}); wait for it`, [{ runId: pending.id, status: pending.status }], { Location: runPath(pending.id) });
      }
      const run = reports.runNow(params.id, query.reference !== undefined ? { reference: epochOf(query.reference, 'reference') } : {});
      audit({ action: 'report.run', newValue: run.id, detail: params.id });
      return { status: 202, body: { run: runView(run) }, headers: { Location: runPath(run.id) } };
    },
  }),
  defineOperation({
    id: 'reportRuns.list',
    method: 'GET',
    path: `${API_BASE}/report-runs`,
    tag: 'reports',
    summary: 'Report runs, newest first, by definition and status',
    scope: 'read',
    query: Type.Object(
      {
        definition: Type.Optional(S.Id),
        status: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      },
      { additionalProperties: false },
    ),
    response: S.ReportRunList,
    handler: ({ services, query }) => ({
      body: { items: reportsOf(services).listRuns({ ...(query.definition ? { definitionId: query.definition } : {}), ...(query.status ? { status: query.status } : {}), limit: query.limit ?? 100 }).map(runView) },
    }),
  }),
  defineOperation({
    id: 'reportRuns.get',
    method: 'GET',
    path: `${API_BASE}/report-runs/:runId`,
    tag: 'reports',
    summary: 'One report run: status, progress, error, files (with download paths) and mail deliveries; wait=1..30 long-polls until it has finished',
    scope: 'read',
    params: RunParams,
    query: Type.Object({ wait: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_S, default: 0 })) }, { additionalProperties: false }),
    response: S.ReportRun,
    errors: [404],
    handler: async ({ services, params, query }) => {
      const reports = reportsOf(services);
      const run = reports.getRun(params.runId);
      const wait = query.wait ?? 0;
      if (wait > 0 && (run.status === 'queued' || run.status === 'running')) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([reports.waitFor(run.id), new Promise((resolve) => (timer = setTimeout(resolve, wait * 1000)))]);
        clearTimeout(timer);
        return { body: runView(reports.getRun(params.runId)) };
      }
      return { body: runView(run) };
    },
  }),
];

/**
 * GET /api/v1/report-runs/:runId/files/:name (host route): the stored file streamed with its content type and
 * `Content-Disposition: attachment`. Same caller, rate-limit and scope (read) checks as every operation.
 */
export function reportDownload(servicesOf: () => HeatgridServices) {
  return (req: Request, res: Response): void => {
    const fail = (err: unknown) => {
      const known = apiErrorOf(err) ?? new ApiError(500, 'internal_error', 'the file could not be sent');
      const r = errorResponse(known);
      if (!res.headersSent) res.status(r.status).set(r.headers).json(r.body);
      else res.destroy();
    };
    try {
      const services = servicesOf();
      const caller = callerOf(req);
      if (!caller) throw new ApiError(401, 'unauthenticated', 'Log in or send a bearer token', undefined, { 'WWW-Authenticate': 'Bearer realm="heatgrid"' });
      const wait = apiState(services).limiter.take(caller.key);
      if (wait > 0) throw new ApiError(429, 'rate_limited', `Too many requests; try again in ${Math.ceil(wait / 1000)} s`, undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
      if (!hasScope(caller.scopes, 'read')) throw new ApiError(403, 'insufficient_scope', 'reports.download needs the "read" scope', [{ required: 'read', granted: [...caller.scopes] }]);
      const runId = String(req.params.runId ?? '');
      const name = String(req.params.name ?? '');
      const problems = [
        ...(UUID.test(runId) ? [] : [{ field: 'path.runId', message: 'must match format "uuid"' }]),
        ...(FILE_NAME.test(name) ? [] : [{ field: 'path.name', message: 'a file name of the run (letters, digits . _ -)' }]),
        ...Object.keys(req.query).map((k) => ({ field: `query.${k.slice(0, 64)}`, message: 'unknown parameter' })),
      ];
      if (problems.length) throw new ApiError(400, 'invalid_request', 'the request does not match reports.download', problems);
      const reports = reportsOf(services);
      const stored = reports.getRun(runId).files.find((f) => f.name === name);
      if (stored && !stored.available) throw new ApiError(410, 'file_expired', `"${name}" of run ${runId} was removed when its retention period ended`);
      const file = reports.openFile(runId, name);
      const ascii = file.name.replace(/[^\w.-]/g, '_');
      res.status(200).set({
        'Content-Type': file.contentType,
        'Content-Length': String(file.bytes),
        'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'private, no-store',
      });
      if (req.method === 'HEAD') {
        file.stream.destroy();
        return void res.end();
      }
      file.stream.on('error', fail);
      res.on('close', () => file.stream.destroy());
      file.stream.pipe(res);
    } catch (err) {
      fail(err);
    }
  };
}
