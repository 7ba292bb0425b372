// setpoint-writer: writes a point (by key) to one device, a list, a smart group or all — validated,
// read back and audited by the control service. Output 1: the finished job; output 2: each device's result.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { selectionFromConfig, type SelectionConfig } from '../../runtime/node-red/selection-config.ts';
import { parseSelection } from '../../runtime/devices/selection.ts';
import { heatgridServices } from '../../runtime/services.ts';
import type { DeviceWriteResult } from '../../runtime/control/write-result.ts';

interface SetpointWriterConfig extends SelectionConfig {
  name?: string;
  point?: string;
}

function summarise(results: DeviceWriteResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

export default function setpointWriterNode(RED: NodeRedApi): void {
  RED.nodes.registerType('setpoint-writer', function (this: RuntimeNode, config: SetpointWriterConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    node.on('input', (msg, send, done) => {
      try {
        const { control } = heatgridServices();
        const body = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : { value: msg.payload }) as { value?: unknown; point?: unknown; selection?: unknown };
        const point = typeof body.point === 'string' ? body.point : config.point;
        if (!point) throw new Error(RED._('setpoint-writer.errors.noPoint'));
        if (typeof body.value !== 'number' || !Number.isFinite(body.value)) throw new Error(RED._('setpoint-writer.errors.noValue'));
        const selection = body.selection !== undefined ? parseSelection(body.selection) : selectionFromConfig(config);
        const job = control.startWrite(selection, point, body.value, { kind: 'flow', id: config.name || node.id });
        node.status({ fill: 'blue', shape: 'ring', text: `${point} = ${body.value}: 0/${job.total}` });
        const onProgress = (progress: { id: string; completed: number; total: number }, result: DeviceWriteResult) => {
          if (progress.id !== job.id) return;
          node.status({ fill: 'blue', shape: 'ring', text: `${point} = ${body.value}: ${progress.completed}/${progress.total}` });
          send([null, { ...msg, topic: `heatgrid/${result.device}`, payload: result }]);
        };
        control.jobs.on('progress', onProgress);
        control.jobs.wait(job.id).then(
          (finished) => {
            control.jobs.off('progress', onProgress);
            const failed = finished.results.some((r) => r.outcome !== 'written' && r.outcome !== 'unchanged');
            node.status({ fill: failed ? 'yellow' : 'green', shape: 'dot', text: summarise(finished.results) || '0 devices' });
            send([{ ...msg, payload: finished }, null]);
            done();
          },
          (err: Error) => {
            control.jobs.off('progress', onProgress);
            done(err);
          },
        );
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: (err as Error).message });
        done(err as Error);
      }
    });
  });
}
