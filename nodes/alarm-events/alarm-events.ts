// alarm-events: sends every alarm event of the engine (raised, acknowledged, returned, shelved…), for a
// utility's own handling (SMS gateway, ticket system, dashboards). Filters by priority and annunciation.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { runningHeatgridServices } from '../../runtime/services.ts';
import { PRIORITIES, PRIORITY_RANK, type AlarmEventMessage, type Priority } from '../../runtime/alarms/types.ts';
import { eventMessage, throttledStatus } from '../../runtime/alarms/node-adapters.ts';

interface AlarmEventsConfig {
  name?: string;
  /** Lowest priority to send (default low = all). */
  minPriority?: string;
  /** Only events people should hear about (not shelved, suppressed or out of service). */
  annunciatedOnly?: boolean | string;
  /** Comma-separated event types; empty = all. */
  types?: string;
}

export default function alarmEventsNode(RED: NodeRedApi): void {
  RED.nodes.registerType('alarm-events', function (this: RuntimeNode, config: AlarmEventsConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    const alarms = runningHeatgridServices()?.alarms;
    if (!alarms) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('alarm-events.status.noService') });
      return;
    }
    const min = PRIORITY_RANK[(PRIORITIES as readonly string[]).includes(config.minPriority ?? '') ? (config.minPriority as Priority) : 'low'];
    const annunciatedOnly = config.annunciatedOnly === true || config.annunciatedOnly === 'true';
    const types = new Set((config.types ?? '').split(/[\s,]+/).filter(Boolean));
    const status = throttledStatus((s) => node.status(s));
    let sent = 0;
    const forward = (event: AlarmEventMessage) => {
      if (PRIORITY_RANK[event.alarm.priority] < min || (annunciatedOnly && !event.annunciate) || (types.size && !types.has(event.type))) return;
      sent++;
      node.send(eventMessage(event));
      status.update({ fill: 'blue', shape: 'dot', text: RED._('alarm-events.status.sent', { sent }) });
    };
    alarms.on('event', forward);
    node.on('close', (_removed, done) => {
      alarms.off('event', forward);
      status.stop();
      done();
    });
  });
}
