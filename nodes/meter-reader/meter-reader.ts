// meter-reader: reads heat-meter values (power, flow, supply/return temperature, volume, energy) through
// the ECL's M-bus, or from standalone Modbus heat meters described by a template, at a slower cadence.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { startPollNode, type PollNodeConfig } from '../../runtime/node-red/poll-node.ts';
import { HEAT_METER_POINT_KEYS } from '../../runtime/ecl/ecl-templates.ts';

const METER_KEYS = new Set(HEAT_METER_POINT_KEYS);

export default function meterReaderNode(RED: NodeRedApi): void {
  RED.nodes.registerType('meter-reader', function (this: RuntimeNode, config: PollNodeConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    startPollNode(RED, this, config, { cadenceS: 60 }, { settingsEvery: Number.MAX_SAFE_INTEGER, pointFilter: (p) => METER_KEYS.has(p.key) });
  });
}
