// The alarm model (design.md §5, ISA-18.2 / IEC 62682, OPC UA Part 9): rules, alarm instances with their
// lifecycle state and overlays, and the events the engine emits. Declared once; the API, the nodes, the
// notifier and the journal all speak these shapes.
import type { DeviceSelection } from '../devices/device.ts';

export type Priority = 'low' | 'medium' | 'high' | 'critical';
export const PRIORITIES: readonly Priority[] = ['low', 'medium', 'high', 'critical'];
/** The journal stores priority as a number (historian AlarmEvent.priority): low 1 … critical 4. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export type RuleKind = 'threshold' | 'controller' | 'offline';
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'controller', 'offline'];

/**
 * Threshold conditions. `deadband` (in the point's unit, per limit) is how far the value must come back
 * past the limit before the condition clears: a high alarm at 90 with deadband 2 clears below 88.
 */
export type ThresholdCondition =
  | { type: 'high'; limit: number }
  | { type: 'low'; limit: number }
  /** Outside [low, high]. */
  | { type: 'band'; low: number; high: number }
  /** |change| per minute between consecutive readings above `limit` (units per minute). */
  | { type: 'rate'; limit: number };

/** When a rule may raise alarms: ISO weekdays (1 = Monday … 7 = Sunday) and a local time window. */
export interface Schedule {
  days: number[];
  /** "HH:MM" local time in the utility time zone; from > to wraps midnight (22:00–06:00). */
  from: string;
  to: string;
}

export type Language = 'en' | 'de' | 'da' | 'sv';
export const LANGUAGES: readonly Language[] = ['en', 'de', 'da', 'sv'];

export interface Receiver {
  email: string;
  language: Language;
}

interface RuleCommon {
  id: string;
  name: string;
  enabled: boolean;
  devices: DeviceSelection;
  priority: Priority;
  /** The condition must hold this long before the alarm is raised. */
  onDelayS: number;
  /** The condition must be gone this long before the alarm returns to normal. */
  offDelayS: number;
  /** An acknowledged alarm still active this long after its acknowledgement is annunciated again; 0 = never. */
  reAlarmS: number;
  /** null = always. */
  schedule: Schedule | null;
  receivers: Receiver[];
  /** A mail goes out only if the alarm is still active and unacknowledged this long after it was raised. */
  notifyDelayS: number;
  notifyOnReturn: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ThresholdRule extends RuleCommon {
  kind: 'threshold';
  point: string;
  condition: ThresholdCondition;
  deadband: number;
}

/** The controller's own alarms (ECL PNU 1025 = alarm numbers 1–16, PNU 1024 = 17–32, bit 0 = no. 1). */
export interface ControllerRule extends RuleCommon {
  kind: 'controller';
  /** Alarm numbers this rule covers; empty = all 1–32. */
  numbers: number[];
}

export interface OfflineRule extends RuleCommon {
  kind: 'offline';
  /** No successful poll for this long raises the alarm (default 15 minutes, as Leanheat advises). */
  afterS: number;
}

export type AlarmRule = ThresholdRule | ControllerRule | OfflineRule;

/** ISA-18.2 lifecycle states. */
export type LifecycleState = 'normal' | 'active-unacknowledged' | 'active-acknowledged' | 'returned-unacknowledged';
export const LIFECYCLE_STATES: readonly LifecycleState[] = ['normal', 'active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged'];

/** Lifecycle state, or the overlay that hides it from the operator (shelved > out of service > suppressed). */
export type DisplayState = LifecycleState | 'shelved' | 'suppressed' | 'out-of-service';

export interface Shelving {
  at: number;
  until: number;
  by: string;
  comment: string;
}

export interface Alarm {
  /** `<ruleId>:<deviceId>` (threshold, offline) or `<ruleId>:<deviceId>:<alarm no.>` (controller). */
  id: string;
  ruleId: string;
  kind: RuleKind;
  device: string;
  deviceName: string;
  /** Point key, `controller_alarm_<n>`, or null for offline alarms. */
  point: string | null;
  priority: Priority;
  state: LifecycleState;
  /** When the current activation was raised (null in normal). */
  activeSince: number | null;
  /** Last lifecycle or overlay change. */
  changedAt: number;
  /** Latest value seen by the rule (null for offline). */
  value: number | null;
  /** The limit crossed (high/low/rate limit, band edge, offline seconds). */
  limit: number | null;
  message: string;
  ack: { at: number; by: string; comment: string } | null;
  shelved: Shelving | null;
  /** Suppressed by design (device offline): still evaluated, not annunciated. */
  suppressed: { since: number; reason: string } | null;
  outOfService: { since: number; by: string; comment: string } | null;
  /** Evaluation: the condition as last seen (after deadband), and since when a change is waiting for its delay. */
  condition: boolean;
  pendingSince: number | null;
}

export type AlarmEventType =
  | 'raised' | 'returned' | 'acknowledged' | 'normal' | 're-alarmed'
  | 'shelved' | 'unshelved' | 'suppressed' | 'unsuppressed' | 'out-of-service' | 'in-service';

/** What the engine emits on every transition (nodes, the live stream, mail). */
export interface AlarmEventMessage {
  type: AlarmEventType;
  ts: number;
  from: DisplayState;
  to: DisplayState;
  user: string | null;
  comment: string | null;
  /** Snapshot of the alarm after the transition. */
  alarm: Alarm;
  /** Whether this transition should reach people (not shelved, suppressed or out of service). */
  annunciate: boolean;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function displayState(alarm: Pick<Alarm, 'state' | 'shelved' | 'suppressed' | 'outOfService'>): DisplayState {
  if (alarm.shelved) return 'shelved';
  if (alarm.outOfService) return 'out-of-service';
  if (alarm.suppressed) return 'suppressed';
  return alarm.state;
}

export function isActive(state: LifecycleState): boolean {
  return state === 'active-unacknowledged' || state === 'active-acknowledged';
}
