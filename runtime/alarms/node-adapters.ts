// What the alarm nodes (threshold-alarm, offline-watchdog, alarm-events) share, kept out of the node files
// so that they stay thin: reading poll and status messages, a node's own rule from its config, the message
// an alarm event becomes, and a rate-limited status line.
import { QUALITIES, type PollPayload } from '../readings.ts';
import type { NodeMessage, NodeStatus } from '../node-red/node-api.ts';
import { selectionFromConfig, type SelectionConfig } from '../node-red/selection-config.ts';
import type { StatusInput } from './alarm-engine.ts';
import type { AlarmEventMessage, Language } from './types.ts';

export function alarmTopic(device: string): string {
  return `heatgrid/alarm/${device}`;
}

/** The message every alarm node sends for an alarm event. */
export function eventMessage(event: AlarmEventMessage): NodeMessage {
  return { topic: alarmTopic(event.alarm.device), payload: event };
}

/** A poll message (§3b) or null when msg.payload is something else. */
export function pollOf(msg: NodeMessage): PollPayload | null {
  const p = msg.payload as Partial<PollPayload> | undefined;
  if (!p || typeof p !== 'object' || !p.device || typeof p.device.id !== 'string' || typeof p.ts !== 'number' || !p.readings || typeof p.readings !== 'object') return null;
  const quality: PollPayload['quality'] = {};
  for (const [k, q] of Object.entries(p.quality ?? {})) if ((QUALITIES as readonly string[]).includes(q)) quality[k] = q;
  return { device: { id: p.device.id, name: typeof p.device.name === 'string' ? p.device.name : p.device.id }, ts: p.ts, application: p.application ?? null, readings: p.readings, quality };
}

/** An online/offline transition (ecl-controller output 2) or null. */
export function statusOf(msg: NodeMessage): StatusInput | null {
  const p = msg.payload as Partial<StatusInput> | undefined;
  if (!p || typeof p !== 'object' || typeof p.device !== 'string' || (p.state !== 'online' && p.state !== 'offline')) return null;
  return { device: p.device, state: p.state, ts: typeof p.ts === 'number' ? p.ts : Date.now(), reason: typeof p.reason === 'string' ? p.reason : null };
}

/** Rule ids made from node ids (which may hold dots in shipped flows). */
export function nodeRuleId(prefix: string, nodeId: string): string {
  return `${prefix}-${nodeId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')}`.slice(0, 64).replace(/-+$/, '');
}

/** "olga@utility.dk:da, hans@utility.de:de" → receivers (language defaults to en). */
export function receiversFromText(text: string | undefined): Array<{ email: string; language: Language }> {
  return (text ?? '')
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((entry) => {
      const m = /^(.+?)(?::([a-z]{2}))?$/.exec(entry)!;
      const language = (m[2] ?? 'en') as Language;
      return { email: m[1]!, language }; // an unknown language is reported by rule validation
    });
}

export interface ThresholdNodeConfig extends SelectionConfig {
  name?: string;
  /** Evaluate the registry's rules (default true). */
  useRegistry?: boolean | string;
  /** Also evaluate the rule defined in the node. */
  useLocal?: boolean | string;
  point?: string;
  conditionType?: string;
  limit?: string | number;
  low?: string | number;
  high?: string | number;
  deadband?: string | number;
  onDelay?: string | number;
  offDelay?: string | number;
  reAlarm?: string | number;
  priority?: string;
  receivers?: string;
  notifyOnReturn?: boolean | string;
}

const flag = (v: unknown, fallback: boolean) => (v === undefined || v === '' ? fallback : v === true || v === 'true');
const num = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));

/** The rule input a threshold-alarm node defines (validated by the service, which names every problem). */
export function localThresholdRule(config: ThresholdNodeConfig, nodeId: string): Record<string, unknown> | null {
  if (!flag(config.useLocal, false)) return null;
  const type = config.conditionType ?? 'high';
  const condition = type === 'band' ? { type, low: num(config.low), high: num(config.high) } : { type, limit: num(config.limit) };
  return {
    id: nodeRuleId('node', nodeId),
    name: config.name?.trim() || `${config.point ?? 'point'} (${nodeId})`,
    kind: 'threshold',
    devices: selectionFromConfig(config),
    point: config.point,
    condition,
    deadband: num(config.deadband) ?? 0,
    onDelayS: num(config.onDelay) ?? 0,
    offDelayS: num(config.offDelay) ?? 0,
    reAlarmS: num(config.reAlarm) ?? 0,
    priority: config.priority || 'medium',
    receivers: receiversFromText(config.receivers),
    notifyOnReturn: flag(config.notifyOnReturn, false),
  };
}

export function usesRegistry(config: ThresholdNodeConfig): boolean {
  return flag(config.useRegistry, true);
}

/** Keeps node status updates to one a second however many events arrive. */
export function throttledStatus(set: (status: NodeStatus) => void, intervalMs = 1000): { update(status: NodeStatus): void; stop(): void } {
  let pending: NodeStatus | null = null;
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (pending) set(pending);
    pending = null;
    last = Date.now();
  };
  return {
    update(status) {
      pending = status;
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      if (wait === 0) flush();
      else timer = setTimeout(flush, wait);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
