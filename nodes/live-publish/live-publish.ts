// live-publish: hands messages of the fleet flow (poll messages, online/offline transitions, alarm events)
// to the live bus behind the API's Server-Sent-Events stream (/api/v1/stream). It never blocks the flow:
// slow stream clients lose their oldest events, not the poller's time.
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { liveBus, liveEventOf, type LiveEventType } from '../../runtime/api/live-bus.ts';

interface LivePublishConfig {
  name?: string;
  /** "auto" recognises the message kind; otherwise every message is published as this type. */
  eventType?: 'auto' | LiveEventType;
}

export default function livePublishNode(RED: NodeRedApi): void {
  RED.nodes.registerType('live-publish', function (this: RuntimeNode, config: LivePublishConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    const forced = config.eventType && config.eventType !== 'auto' ? config.eventType : undefined;
    const bus = liveBus();
    let published = 0;
    let ignored = 0;
    const timer = setInterval(() => {
      node.status({ fill: published ? 'green' : 'grey', shape: 'dot', text: RED._('live-publish.status', { published, ignored, clients: bus.subscriberCount }) });
    }, 2000);
    node.on('input', (msg, _send, done) => {
      const event = liveEventOf(msg, forced);
      if (event) {
        bus.publish(event);
        published++;
      } else ignored++;
      done();
    });
    node.on('close', (_removed, done) => {
      clearInterval(timer);
      done();
    });
  });
}
