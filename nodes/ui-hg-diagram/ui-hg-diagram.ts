// ui-hg-diagram: a Dashboard 2.0 widget showing the substation diagram of one device, live from the poll
// messages (msg.payload = PollPayload, runtime/readings.ts). Server side it only filters: messages of
// other devices are dropped, so every browser gets one small message per poll of the chosen device.
// With no device configured it follows the first device it hears from. The browser half is the UMD
// bundle built from dashboards/dashboard2 (docs/dashboard2.md).
import type { NodeMessage, NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';

interface DiagramConfig {
  name?: string;
  group: string;
  device?: string;
  label?: string;
  order?: number;
  width?: number | string;
  height?: number | string;
}

interface DashboardGroup {
  register(node: RuntimeNode, config: unknown, evts: Record<string, unknown>): void;
}

function deviceOf(msg: NodeMessage): string | null {
  const p = msg.payload as { device?: { id?: unknown }; readings?: unknown } | undefined;
  return p && typeof p === 'object' && p.readings && typeof p.device?.id === 'string' ? p.device.id : null;
}

export default function uiHgDiagramNode(RED: NodeRedApi): void {
  RED.nodes.registerType('ui-hg-diagram', function (this: RuntimeNode, config: DiagramConfig) {
    RED.nodes.createNode(this, config as unknown as Record<string, unknown>);
    const node = this;
    let device = (config.device ?? '').trim() || null;
    const group = RED.nodes.getNode(config.group) as DashboardGroup | null;
    if (!group) {
      node.error('ui-hg-diagram: no dashboard group configured');
      return;
    }
    group.register(node, config, {
      beforeSend(msg: NodeMessage): NodeMessage | null {
        const id = deviceOf(msg);
        if (!id) return null;
        device ??= id;
        if (id !== device) return null;
        node.status({ fill: 'green', shape: 'dot', text: id });
        return { topic: msg.topic, payload: msg.payload };
      },
    });
  });
}
