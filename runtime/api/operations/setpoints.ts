// Setpoints: write one point to one controller (answered with its result) or to a selection (a job to poll,
// with a result per device), job status, and cancelling a job. ControlService validates against the
// device's template before touching the wire, reads back, and audits every attempt (action setpoint.write),
// so nothing here audits writes again; the audit query (GET /api/v1/audit?action=setpoint.write) finds them.
//
// Statuses of a single-device write: written/unchanged 200; refused (out of range, read-only, unknown point,
// no template, disabled, the controller's own exception) 422 with the result's code; offline (known offline,
// or the link cannot connect: nothing was written) 409 device_offline; failed after sending (timeout,
// read-back mismatch) 502 write_failed. The device result is in error.details[0] in every case.
import { Type, type Static } from '@sinclair/typebox';
import { parseSelection } from '../../devices/selection.ts';
import type { DeviceWriteResult, SetpointJob, WriteActor } from '../../control/control-service.ts';
import { actorLabel } from '../../control/write-result.ts';
import type { Caller } from '../../http/auth-middleware.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { iso, isoOrNull } from '../views.ts';

const MAX_WAIT_S = 30;
const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const jobPath = (id: string) => `${API_BASE}/setpoints/jobs/${id}`;

export function resultView(r: DeviceWriteResult): Static<typeof S.DeviceWriteResult> {
  return { device: r.device, point: r.point, outcome: r.outcome, code: r.code, message: r.message, oldValue: r.oldValue, requestedValue: r.requestedValue, readBack: r.readBack, ts: iso(r.ts) };
}

export function jobView(job: SetpointJob): Static<typeof S.SetpointJob> {
  const counts = { written: 0, unchanged: 0, refused: 0, failed: 0, offline: 0 };
  for (const r of job.results) counts[r.outcome]++;
  return {
    id: job.id,
    point: job.point,
    value: job.value,
    actor: actorLabel(job.actor),
    state: job.state,
    total: job.total,
    completed: job.completed,
    counts,
    results: job.results.map(resultView),
    createdAt: iso(job.createdAt),
    finishedAt: isoOrNull(job.finishedAt),
  };
}

/** A user session writes as the user, a token as the token (its id): the audit log's actor either way. */
export function writeActor(caller: Caller): WriteActor {
  return caller.kind === 'user' ? { kind: 'user', id: caller.actor } : { kind: 'token', id: caller.actor.replace(/^token:/, '') };
}

function refusal(result: DeviceWriteResult): ApiError {
  const details = [resultView(result)];
  switch (result.outcome) {
    case 'offline':
      return new ApiError(409, 'device_offline', `${result.device} is not reachable; nothing was written (${result.message ?? result.code})`, details);
    case 'failed':
      return new ApiError(502, 'write_failed', `the write to ${result.device} was not confirmed: ${result.message ?? result.code}`, details);
    default:
      return new ApiError(422, /^[a-z][a-z0-9_]*$/.test(result.code ?? '') ? result.code! : 'write_refused', result.message ?? `${result.device} refused the write`, details);
  }
}

function requireJob(jobs: { get(id: string): SetpointJob | null }, id: string): SetpointJob {
  const job = jobs.get(id);
  if (!job) throw new ApiError(404, 'job_not_found', `no setpoint job "${id}" (finished jobs are kept for an hour)`);
  return job;
}

export const setpointOperations: ApiOperation[] = [
  defineOperation({
    id: 'setpoints.write',
    method: 'POST',
    path: `${API_BASE}/setpoints`,
    tag: 'setpoints',
    summary: 'Write a controller setting (e.g. heat_curve_slope) to one device (200 with its result) or a selection (202 with a job)',
    description:
      'Body: {device, point, value, reason?} writes one controller and answers its result (outcome written or unchanged, with oldValue and readBack). ' +
      'Refused 422 (code out_of_range, not_writable, not_representable, unknown_point, no_template, device_disabled, controller_exception_<n>), ' +
      'offline 409 device_offline, not confirmed 502 write_failed; the device result is error.details[0]. ' +
      '{selection: {devices|group|all}, point, value, reason?} answers 202 with a job (Location: its URL) that writes every device, never stopping at the first failure; ' +
      'when the template refuses the value on every device of the selection the answer is 422 at once (per-device results in details). ' +
      'Every attempt is in the audit log (action setpoint.write).',
    scope: 'write:setpoints',
    body: S.SetpointWrite,
    response: Type.Union([S.DeviceWriteResult, S.SetpointJob]),
    errors: [404, 409, 413, 415, 422, 502],
    handler: async ({ services, body, caller }) => {
      if ((body.device === undefined) === (body.selection === undefined)) {
        throw new ApiError(400, 'invalid_selection', 'give device (one controller) or selection (a job), exactly one', [{ field: 'device|selection', message: 'exactly one' }]);
      }
      const actor = writeActor(caller);
      const reason = body.reason?.trim() || null;
      if (body.device !== undefined) {
        const result = await services.control.writeDevice(body.device, body.point, body.value, actor, reason);
        if (result.outcome === 'written' || result.outcome === 'unchanged') return { body: resultView(result) };
        throw refusal(result);
      }
      const selection = parseSelection(body.selection);
      const devices = services.selections.resolve(selection);
      if (devices.length === 0) throw new ApiError(422, 'empty_selection', 'the selection holds no device; nothing was written', [{ field: 'selection', message: 'no devices' }]);
      // A value the templates refuse everywhere (out of range, unknown point ...) is answered at once. The
      // job still runs (nothing reaches a wire) so the control service audits each refused attempt.
      const checks = devices.map((d) => services.control.writer.check(d, body.point, body.value));
      const refusedEverywhere = checks.every((c) => 'code' in c);
      const job = services.control.startWrite(selection, body.point, body.value, actor, reason);
      if (refusedEverywhere) {
        const done = await services.control.jobs.wait(job.id);
        const first = done.results[0]!;
        throw new ApiError(422, first.code ?? 'write_refused', `refused on every device of the selection, nothing was written: ${first.message ?? first.code}`, done.results.slice(0, 100).map(resultView));
      }
      return { status: 202, body: jobView(job), headers: { Location: jobPath(job.id) } };
    },
  }),
  defineOperation({
    id: 'setpoints.job',
    method: 'GET',
    path: `${API_BASE}/setpoints/jobs/:id`,
    tag: 'setpoints',
    summary: 'Progress and per-device results of a setpoint job (wait=seconds waits up to 30 s for it to finish)',
    description: 'Scope write:setpoints: the job is the answer to a write, so a token that may write can always follow its jobs (write:setpoints does not imply read).',
    scope: 'write:setpoints',
    params: JobParams,
    query: Type.Object({ wait: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_S, description: 'long poll: wait up to this many seconds for the job to finish' })) }, { additionalProperties: false }),
    response: S.SetpointJob,
    errors: [404],
    handler: async ({ services, params, query }) => {
      const job = requireJob(services.control.jobs, params.id);
      if (job.state === 'running' && query.wait) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([services.control.jobs.wait(job.id), new Promise((resolve) => (timer = setTimeout(resolve, query.wait! * 1000)))]).finally(() => clearTimeout(timer));
      }
      return { body: jobView(requireJob(services.control.jobs, params.id)) };
    },
  }),
  defineOperation({
    id: 'setpoints.cancel',
    method: 'POST',
    path: `${API_BASE}/setpoints/jobs/:id/cancel`,
    tag: 'setpoints',
    summary: 'Cancel a running setpoint job: devices not yet started are reported refused (code cancelled); writes under way finish',
    scope: 'write:setpoints',
    params: JobParams,
    response: S.SetpointJob,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const before = requireJob(services.control.jobs, params.id);
      const job = services.control.jobs.cancel(params.id)!;
      if (before.state === 'running') audit({ action: 'setpoint.cancel', point: job.point, newValue: job.value, detail: `job ${job.id}: ${job.completed}/${job.total} done when cancelled` });
      return { body: jobView(job) };
    },
  }),
];
