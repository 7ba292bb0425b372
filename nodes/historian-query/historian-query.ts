// historian-query: msg.payload is a query ({type: range|latest|consumption|alarms|audit, ...}); the result
// replaces msg.payload. Query shapes and checks live in runtime/historian.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { heatgridServices } from '../../runtime/services.ts';
import { runHistorianRequest } from '../../runtime/historian/node-requests.ts';

export default function historianQueryNode(RED: NodeRedApi): void {
  RED.nodes.registerType('historian-query', function (this: RuntimeNode, config: Record<string, unknown>) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      const started = Date.now();
      runHistorianRequest(heatgridServices().historian, msg.payload).then(
        (result) => {
          this.status({ fill: 'green', shape: 'dot', text: RED._('historian-query.status', { rows: result.length, ms: Date.now() - started }) });
          send({ ...msg, payload: result });
          done();
        },
        (err: Error) => {
          this.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 40) });
          done(err);
        },
      );
    });
    this.on('close', (_removed, done) => done());
  });
}
