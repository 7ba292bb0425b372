// offline-watchdog: takes the pollers' online/offline transitions and poll messages, lets the alarm engine
// time the silence (offline rules, default 15 minutes), and sends offline alarm events (raised, returned,
// acknowledged…) and the suppression of the device's other alarms.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { runningHeatgridServices } from '../../runtime/services.ts';
import type { AlarmEventMessage } from '../../runtime/alarms/types.ts';
import { eventMessage, nodeRuleId, pollOf, statusOf, throttledStatus } from '../../runtime/alarms/node-adapters.ts';
import { selectionFromConfig, type SelectionConfig } from '../../runtime/node-red/selection-config.ts';

interface WatchdogConfig extends SelectionConfig {
  name?: string;
  /** Empty: the registry's offline rules; minutes: a rule of this node. */
  afterMinutes?: string | number;
  priority?: string;
}

export default function offlineWatchdogNode(RED: NodeRedApi): void {
  RED.nodes.registerType('offline-watchdog', function (this: RuntimeNode, config: WatchdogConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    const alarms = runningHeatgridServices()?.alarms;
    if (!alarms) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('offline-watchdog.status.noService') });
      node.on('input', (_msg, _send, done) => done(new Error('the alarm service is not running')));
      return;
    }
    let localRuleId: string | null = null;
    if (config.afterMinutes !== undefined && String(config.afterMinutes).trim() !== '') {
      try {
        localRuleId = alarms.putLocalRule({
          id: nodeRuleId('watchdog', node.id), name: config.name?.trim() || 'Offline (watchdog node)', kind: 'offline',
          devices: selectionFromConfig(config), afterS: Number(config.afterMinutes) * 60, priority: config.priority || 'high',
        }).id;
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: RED._('offline-watchdog.status.badRule') });
        node.error(err as Error);
      }
    }
    const status = throttledStatus((s) => node.status(s));
    const forward = (event: AlarmEventMessage) => {
      const offlineEvent = event.alarm.kind === 'offline' && (localRuleId ? event.alarm.ruleId === localRuleId : !alarms.engine.isLocalRule(event.alarm.ruleId));
      if (offlineEvent || event.type === 'suppressed' || event.type === 'unsuppressed') node.send(eventMessage(event));
      if (offlineEvent) {
        const offline = alarms.list({ kinds: ['offline'], states: ['active-unacknowledged', 'active-acknowledged'] }).total;
        status.update({ fill: offline ? 'red' : 'green', shape: 'dot', text: RED._('offline-watchdog.status.running', { offline }) });
      }
    };
    alarms.on('event', forward);
    status.update({ fill: 'green', shape: 'ring', text: RED._('offline-watchdog.status.watching') });

    node.on('input', (msg, _send, done) => {
      const transition = statusOf(msg);
      if (transition) alarms.recordStatus(transition);
      else {
        const poll = pollOf(msg);
        if (!poll) return done(new Error(RED._('offline-watchdog.error.input')));
        alarms.notePoll(poll);
      }
      done();
    });
    node.on('close', (removed, done) => {
      alarms.off('event', forward);
      status.stop();
      if (localRuleId) alarms.removeLocalRule(localRuleId, removed);
      done();
    });
  });
}
