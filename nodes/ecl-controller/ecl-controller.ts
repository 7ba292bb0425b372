// ecl-controller: polls ECL Comfort 296/310 controllers (one, a list, a smart group or all) over
// Modbus/TCP and sends one poll message per device poll; online/offline transitions on output 2.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { startPollNode, type PollNodeConfig } from '../../runtime/node-red/poll-node.ts';

export default function eclControllerNode(RED: NodeRedApi): void {
  RED.nodes.registerType('ecl-controller', function (this: RuntimeNode, config: PollNodeConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    startPollNode(RED, this, config, { cadenceS: 10 });
  });
}
