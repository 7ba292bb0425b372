// report-generator: runs a report definition of the report service — the stored one named in the node or
// in msg.payload (an id), or an inline definition in msg.payload (an object) — and sends the finished run
// (status, period, files with sizes, deliveries). The status shows the run's progress in devices. With
// "every run" on, it also sends each run the service finishes by itself (scheduled and made-up runs), for
// integrators who hang their own handling (archive upload, a ticket) behind reports.
import type { NodeMessage, NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { heatgridServices } from '../../runtime/services.ts';
import type { ReportService } from '../../runtime/reports/report-service.ts';
import type { ReportEvent, ReportRun } from '../../runtime/reports/types.ts';
import { throttledStatus } from '../../runtime/alarms/node-adapters.ts';

interface ReportGeneratorConfig {
  name?: string;
  /** Stored definition id to run when msg.payload names none. */
  definition?: string;
  /** Also send every run the service finishes that this node did not start (scheduled runs). */
  allRuns?: boolean | string;
}

/** What msg.payload may be: an id, an inline definition, or {definition, reference}. */
function requestOf(payload: unknown, fallback: string): { definition: string | Record<string, unknown>; reference?: number } {
  if (typeof payload === 'string' && payload.trim()) return { definition: payload.trim() };
  if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    if (typeof p.definition === 'string' || (p.definition && typeof p.definition === 'object')) {
      return { definition: p.definition as string | Record<string, unknown>, ...(typeof p.reference === 'number' ? { reference: p.reference } : {}) };
    }
    if ('title' in p || 'points' in p) return { definition: p };
  }
  if (fallback) return { definition: fallback };
  throw new Error('no report to run: set a definition in the node, or send its id (or an inline definition) in msg.payload');
}

export function runMessage(run: ReportRun, base: NodeMessage = {}): NodeMessage {
  return { ...base, topic: `heatgrid/reports/${run.definitionId ?? 'inline'}`, runId: run.id, payload: run };
}

export default function reportGeneratorNode(RED: NodeRedApi): void {
  RED.nodes.registerType('report-generator', function (this: RuntimeNode, config: ReportGeneratorConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    let reports: ReportService | undefined;
    try {
      reports = heatgridServices().reports;
    } catch {
      reports = undefined; // the host is not running (a flow opened in a plain Node-RED)
    }
    if (!reports) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('report-generator.status.noService') });
      node.on('input', (_msg, _send, done) => done(new Error(RED._('report-generator.status.noService'))));
      return;
    }
    const service = reports;
    const mine = new Set<string>();
    const allRuns = config.allRuns === true || config.allRuns === 'true';
    const status = throttledStatus((s) => node.status(s), 250);
    const onEvent = (event: ReportEvent) => {
      if (event.type === 'progress') {
        if (mine.has(event.runId) || allRuns) status.update({ fill: 'blue', shape: 'dot', text: RED._('report-generator.status.progress', { done: event.done, total: event.total }) });
      } else if ((event.type === 'succeeded' || event.type === 'failed') && allRuns && !mine.has(event.run.id)) {
        node.send(runMessage(event.run));
        status.update(finished(event.run));
      }
    };
    const finished = (run: ReportRun) => run.status === 'succeeded'
      ? { fill: 'green' as const, shape: 'dot' as const, text: RED._('report-generator.status.done', { devices: run.devices, seconds: ((run.durationMs ?? 0) / 1000).toFixed(1) }) }
      : { fill: 'red' as const, shape: 'dot' as const, text: RED._('report-generator.status.failed') };
    service.on('event', onEvent);

    node.on('input', (msg, send, done) => {
      let run: ReportRun;
      try {
        const request = requestOf(msg.payload, (config.definition ?? '').trim());
        run = service.runNow(request.definition, request.reference === undefined ? {} : { reference: request.reference });
      } catch (err) {
        status.update({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 60) });
        return done(err as Error);
      }
      mine.add(run.id);
      status.update({ fill: 'yellow', shape: 'ring', text: RED._('report-generator.status.queued') });
      service.waitFor(run.id).then(
        (result) => {
          mine.delete(run.id);
          status.update(finished(result));
          send(runMessage(result, msg));
          if (result.status === 'failed') done(new Error(`report ${result.title}: ${result.error}`));
          else done();
        },
        (err: unknown) => {
          mine.delete(run.id);
          done(err as Error);
        },
      );
    });
    node.on('close', (_removed, done) => {
      service.off('event', onEvent);
      status.stop();
      done();
    });
  });
}
