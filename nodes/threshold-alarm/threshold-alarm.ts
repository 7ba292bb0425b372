// threshold-alarm: evaluates poll messages against the registry's alarm rules and/or a rule defined in
// this node, and sends the alarm events they cause. The engine (runtime/alarms) does the work.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { runningHeatgridServices } from '../../runtime/services.ts';
import type { AlarmEventMessage } from '../../runtime/alarms/types.ts';
import {
  eventMessage, localThresholdRule, pollOf, throttledStatus, usesRegistry, type ThresholdNodeConfig,
} from '../../runtime/alarms/node-adapters.ts';

export default function thresholdAlarmNode(RED: NodeRedApi): void {
  RED.nodes.registerType('threshold-alarm', function (this: RuntimeNode, config: ThresholdNodeConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    const alarms = runningHeatgridServices()?.alarms;
    if (!alarms) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('threshold-alarm.status.noService') });
      node.on('input', (_msg, _send, done) => done(new Error('the alarm service is not running')));
      return;
    }
    let localRuleId: string | null = null;
    try {
      const input = localThresholdRule(config, node.id);
      if (input) localRuleId = alarms.putLocalRule(input).id;
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('threshold-alarm.status.badRule') });
      node.error(err as Error);
    }
    const registry = usesRegistry(config);
    const evaluate = { registry, localRuleIds: localRuleId ? [localRuleId] : [] };
    const status = throttledStatus((s) => node.status(s));
    let polls = 0;
    let raised = 0;

    node.on('input', (msg, send, done) => {
      const poll = pollOf(msg);
      if (!poll) return done(new Error(RED._('threshold-alarm.error.notPoll')));
      // Events are emitted synchronously while the poll is evaluated: collect this poll's events.
      const caused: AlarmEventMessage[] = [];
      const collect = (e: AlarmEventMessage) => caused.push(e);
      alarms.on('event', collect);
      try {
        alarms.processPoll(poll, evaluate);
      } catch (err) {
        return done(err as Error);
      } finally {
        alarms.off('event', collect);
      }
      polls++;
      for (const event of caused) if (event.type === 'raised') raised++;
      // One output: an array inside the array sends several messages on it, in order.
      if (caused.length) send([caused.map(eventMessage)]);
      const active = alarms.health().active;
      status.update({ fill: active ? 'red' : 'green', shape: 'dot', text: RED._('threshold-alarm.status.running', { polls, raised, active }) });
      done();
    });
    node.on('close', (removed, done) => {
      status.stop();
      if (localRuleId) alarms.removeLocalRule(localRuleId, removed);
      done();
    });
  });
}
