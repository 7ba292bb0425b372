// historian-write: stores poll messages as they come from ecl-controller (msg.payload = PollPayload), or
// an array of samples. Enqueueing never blocks; the status shows what was written and what waits on disk.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import type { PollPayload, Sample } from '../../runtime/readings.ts';
import { heatgridServices } from '../../runtime/services.ts';

const STATUS_MS = 2000;

export default function historianWriteNode(RED: NodeRedApi): void {
  RED.nodes.registerType('historian-write', function (this: RuntimeNode, config: Record<string, unknown>) {
    RED.nodes.createNode(this, config);
    let accepted = 0;
    const showStatus = () => {
      try {
        const h = heatgridServices().historian.health();
        const text = RED._('historian-write.status', { accepted, written: h.written, buffer: h.bufferDepth });
        this.status({ fill: h.ok ? 'green' : h.reachable ? 'yellow' : 'red', shape: h.bufferDepth > 0 ? 'ring' : 'dot', text });
      } catch {
        this.status({ fill: 'grey', shape: 'ring', text: RED._('historian-write.noHistorian') });
      }
    };
    const timer = setInterval(showStatus, STATUS_MS);
    showStatus();

    this.on('input', (msg, _send, done) => {
      try {
        const historian = heatgridServices().historian;
        if (Array.isArray(msg.payload)) {
          historian.writeSamples(msg.payload as Sample[]);
          accepted += msg.payload.length;
        } else {
          const poll = msg.payload as PollPayload;
          historian.writePoll(poll);
          accepted += poll && typeof poll.readings === 'object' ? Object.keys(poll.readings).length : 0;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    this.on('close', (_removed, done) => {
      clearInterval(timer);
      done();
    });
  });
}
