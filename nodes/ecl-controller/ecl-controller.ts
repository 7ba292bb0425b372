// ecl-controller: polls ECL Comfort 296/310 controllers (one, a list, a smart group or all) over
// Modbus/TCP and sends one poll message per device poll; online/offline transitions on output 2.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { startPollNode, type PollNodeConfig } from '../../runtime/node-red/poll-node.ts';
import { heatgridServices } from '../../runtime/services.ts';

export default function eclControllerNode(RED: NodeRedApi): void {
  RED.nodes.registerType('ecl-controller', function (this: RuntimeNode, config: PollNodeConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    startPollNode(RED, this, config, { cadenceS: 10 });
  });

  // Suggestions for the selection field of the polling nodes' edit dialogs.
  RED.httpAdmin.get('/heatgrid/selection-options', RED.auth.needsPermission('flows.read'), (_req, res) => {
    const { registry, groups } = heatgridServices();
    res.json({
      devices: registry.list({ limit: 1000 }).items.map((d) => ({ id: d.id, name: d.name })),
      groups: groups.list().map((g) => ({ id: g.id, name: g.name })),
    });
  });
}
