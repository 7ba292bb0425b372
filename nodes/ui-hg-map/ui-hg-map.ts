// ui-hg-map: the fleet map as a Dashboard 2.0 widget. The pins come from the server, not from a wire: every
// 10 s (and when a dashboard connects, at most once per 2 s) the node reads the same answer as
// GET /api/v1/map/pins (runtime/api/operations/map.ts, optionally for one smart group) and passes
// `{pins: [{id, name, lat, lon, status, priority}]}` to the browsers; a browser that opens the page later
// gets the last one from the dashboard's store. Any message on the input refreshes at once. Clicking a pin
// sends `{topic: 'device', payload: <device id>}` from the output (a custom socket event, so like every
// widget action it needs the write:setpoints scope; viewers only look). The browser half is built from
// dashboards/dashboard2 (docs/dashboard2.md).
import type { NodeMessage, NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { runningHeatgridServices, type HeatgridServices } from '../../runtime/services.ts';
import { mapOperations } from '../../runtime/api/operations/map.ts';
import type { Caller } from '../../runtime/http/auth-middleware.ts';

interface MapConfig {
  name?: string;
  group: string;
  label?: string;
  devicegroup?: string;
  order?: number;
  width?: number | string;
  height?: number | string;
}

interface DashboardGroup {
  register(node: RuntimeNode, config: unknown, evts: Record<string, unknown>): void;
}

export interface MapPin {
  id: string;
  name: string;
  lat: number;
  lon: number;
  status: 'ok' | 'alarm' | 'offline' | 'unknown';
  priority: string | null;
}

/** The socket event a browser sends when a pin is clicked: (widget id, {payload: device id}). */
export const SELECT_EVENT = 'ui-hg-map:select';
export const REFRESH_MS = 10_000;
const CONNECT_MIN_MS = 2_000;

const pinsOperation = mapOperations.find((o) => o.id === 'map.pins')!;
const SYSTEM: Caller = { kind: 'user', actor: 'ui-hg-map', scopes: ['read'], key: 'ui-hg-map' } as Caller;

/** The fleet's map pins (or one smart group's), the same answer as GET /api/v1/map/pins. */
export async function mapPins(services: HeatgridServices, group?: string | null): Promise<MapPin[]> {
  const res = await pinsOperation.handler({
    services,
    caller: SYSTEM,
    params: {},
    query: group ? { group } : {},
    body: undefined,
    wantsCsv: false,
    audit: () => undefined,
  });
  return (res.body as { pins: MapPin[] }).pins;
}

export default function uiHgMapNode(RED: NodeRedApi): void {
  RED.nodes.registerType('ui-hg-map', function (this: RuntimeNode, config: MapConfig) {
    RED.nodes.createNode(this, config as unknown as Record<string, unknown>);
    const node = this as RuntimeNode & { receive(msg: NodeMessage): void };
    const deviceGroup = (config.devicegroup ?? '').trim() || null;
    const group = RED.nodes.getNode(config.group) as DashboardGroup | null;
    if (!group) {
      node.error('ui-hg-map: no dashboard group configured');
      return;
    }
    // Messages the node puts on its own input carry this token; anything else on the input only asks for a refresh.
    const tick = Symbol('ui-hg-map pins');
    let known = new Set<string>();
    let lastRefresh = 0;
    let running = false;
    let closed = false;

    async function refresh(): Promise<void> {
      const services = runningHeatgridServices();
      if (!services || running || closed) return;
      running = true;
      lastRefresh = Date.now();
      try {
        const pins = await mapPins(services, deviceGroup);
        known = new Set(pins.map((p) => p.id));
        const alarms = pins.filter((p) => p.status === 'alarm').length;
        node.status({ fill: alarms ? 'red' : 'green', shape: 'dot', text: `${pins.length} pins${alarms ? `, ${alarms} in alarm` : ''}` });
        if (!closed) node.receive({ topic: 'pins', pins, [tick]: true } as unknown as NodeMessage);
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 60) });
      } finally {
        running = false;
      }
    }

    group.register(node, { ...config, passthru: false }, {
      beforeSend(msg: NodeMessage): NodeMessage | null {
        if ((msg as Record<symbol, unknown>)[tick]) return { topic: msg.topic, pins: msg.pins };
        void refresh();
        return null;
      },
      onSocket: {
        connection: () => {
          if (Date.now() - lastRefresh >= CONNECT_MIN_MS) void refresh();
        },
        [SELECT_EVENT]: (_conn: unknown, id: unknown, msg: unknown) => {
          if (id !== node.id || !msg || typeof msg !== 'object') return;
          const m = msg as { payload?: unknown; _client?: unknown };
          if (typeof m.payload !== 'string' || !known.has(m.payload)) return;
          node.send({ topic: 'device', payload: m.payload, _client: m._client });
        },
      },
    });

    const timer = setInterval(() => void refresh(), REFRESH_MS);
    setImmediate(() => void refresh());
    node.on('close', (_removed, done) => {
      closed = true;
      clearInterval(timer);
      done();
    });
  });
}
