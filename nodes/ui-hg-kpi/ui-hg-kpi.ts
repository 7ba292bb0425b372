// ui-hg-kpi: a Dashboard 2.0 KPI tile. Fed with poll messages (msg.payload = PollPayload), it keeps each
// device's latest value of one point and shows an aggregate over the devices heard from in the last
// 15 minutes (sum, average, min or max; e.g. fleet heat power = sum of heat_power_kw). A plain number in
// msg.payload is shown as it is. Updates to the browsers are limited to one per `minIntervalMs` (the
// figure shown lags at most one poll cycle). The browser half is built from dashboards/dashboard2.
import type { NodeMessage, NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';

export type KpiAggregate = 'sum' | 'avg' | 'min' | 'max';

interface KpiConfig {
  name?: string;
  group: string;
  label?: string;
  point?: string;
  aggregate?: KpiAggregate;
  order?: number;
  width?: number | string;
  height?: number | string;
}

interface DashboardGroup {
  register(node: RuntimeNode, config: unknown, evts: Record<string, unknown>): void;
}

const FRESH_MS = 15 * 60_000;

/** Latest value per device → the tile's figure; exported for tests. */
export class KpiState {
  private readonly latest = new Map<string, { value: number; ts: number }>();
  readonly point: string;
  readonly aggregate: KpiAggregate;
  private readonly now: () => number;
  constructor(point: string, aggregate: KpiAggregate, now: () => number = Date.now) {
    this.point = point;
    this.aggregate = aggregate;
    this.now = now;
  }

  /** Takes a poll payload; false when it is not one. */
  take(payload: unknown): boolean {
    const p = payload as { device?: { id?: unknown }; readings?: Record<string, unknown>; ts?: unknown } | null;
    if (!p || typeof p !== 'object' || !p.readings || typeof p.device?.id !== 'string') return false;
    const v = p.readings[this.point];
    if (typeof v === 'number' && Number.isFinite(v)) this.latest.set(p.device.id, { value: v, ts: typeof p.ts === 'number' ? p.ts : this.now() });
    else this.latest.delete(p.device.id);
    return true;
  }

  figure(): { value: number | null; devices: number } {
    const cutoff = this.now() - FRESH_MS;
    const values = [...this.latest.values()].filter((e) => e.ts >= cutoff).map((e) => e.value);
    if (!values.length) return { value: null, devices: 0 };
    const sum = values.reduce((a, b) => a + b, 0);
    const value = this.aggregate === 'avg' ? sum / values.length : this.aggregate === 'min' ? Math.min(...values) : this.aggregate === 'max' ? Math.max(...values) : sum;
    return { value: Math.round(value * 1000) / 1000, devices: values.length };
  }
}

export default function uiHgKpiNode(RED: NodeRedApi): void {
  RED.nodes.registerType('ui-hg-kpi', function (this: RuntimeNode, config: KpiConfig) {
    RED.nodes.createNode(this, config as unknown as Record<string, unknown>);
    const node = this;
    const point = (config.point ?? '').trim() || 'heat_power_kw';
    const aggregate: KpiAggregate = (['sum', 'avg', 'min', 'max'] as const).includes(config.aggregate as KpiAggregate) ? (config.aggregate as KpiAggregate) : 'sum';
    const state = new KpiState(point, aggregate);
    const minIntervalMs = 2000;
    let lastSent = 0;
    const group = RED.nodes.getNode(config.group) as DashboardGroup | null;
    if (!group) {
      node.error('ui-hg-kpi: no dashboard group configured');
      return;
    }
    group.register(node, config, {
      beforeSend(msg: NodeMessage): NodeMessage | null {
        if (typeof msg.payload === 'number') return { topic: msg.topic, payload: msg.payload, point };
        if (!state.take(msg.payload)) return null;
        const t = Date.now();
        if (t - lastSent < minIntervalMs) return null;
        lastSent = t;
        const { value, devices } = state.figure();
        node.status({ fill: value === null ? 'grey' : 'green', shape: 'dot', text: `${value ?? '—'} (${devices})` });
        return { topic: point, payload: value, point, devices };
      },
    });
  });
}
