// historian: config node naming the process-wide historian (QuestDB or embedded, chosen by QUESTDB_URL);
// worker nodes borrow it. The editor reads backend and retention through the admin endpoint below.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { heatgridServices } from '../../runtime/services.ts';

export default function historianConfigNode(RED: NodeRedApi): void {
  RED.nodes.registerType('historian', function (this: RuntimeNode, config: Record<string, unknown>) {
    RED.nodes.createNode(this, config);
  });
  RED.httpAdmin.get('/heatgrid/historian', RED.auth.needsPermission('flows.read'), (_req, res) => {
    try {
      const h = heatgridServices().historian.health();
      res.json({ backend: h.backend, reachable: h.reachable, bufferDepth: h.bufferDepth, liveRetentionDays: h.liveRetentionDays, readingsRetentionYears: h.readingsRetentionYears });
    } catch (err) {
      res.status(503).json({ error: { code: 'historian_unavailable', message: (err as Error).message } });
    }
  });
}
