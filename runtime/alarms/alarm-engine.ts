// The alarm engine: evaluates poll messages and device status against the rules and moves each alarm
// through the ISA-18.2 lifecycle (state-machine.ts), with on/off delays, re-alarm, schedules, shelving,
// suppression by design (device offline) and out of service. Time comes from a Clock, so tests drive it;
// `tick()` handles everything that happens without a reading (delays elapsing, shelving expiring,
// re-alarm, offline). Every transition is journaled (who and why), emitted, and persisted in batches.
import { EventEmitter } from 'node:events';
import type { DeviceSelection } from '../devices/device.ts';
import type { AlarmEvent } from '../historian/historian.ts';
import type { PollPayload } from '../readings.ts';
import type { AlarmStore } from './alarm-store.ts';
import { describeCondition, evaluateCondition } from './condition.ts';
import { inSchedule } from './schedule.ts';
import { AlarmError } from './rule-validation.ts';
import {
  PRIORITY_RANK, displayState, isActive, type Alarm, type AlarmEventMessage, type AlarmEventType, type AlarmRule, type Clock,
  type DisplayState, type LifecycleState,
} from './types.ts';

export const CONTROLLER_MASK_POINTS = { low: 'controller_alarms_1_16', high: 'controller_alarms_17_32' } as const;
export const SYSTEM_USER = 'system';
export const DEFAULT_MAX_SHELVE_S = 7 * 86_400;

export interface AlarmEngineOptions {
  store: AlarmStore;
  /** Where transitions are journaled (historian.writeAlarmEvents). Must not block. */
  journal: (events: AlarmEvent[]) => void;
  clock: Clock;
  timeZone: string;
  /** Members of a smart group now (null when groups are not available); "all" and id lists need no help. */
  groupMembers?: (groupId: string) => Iterable<string> | null;
  maxShelveS?: number;
}

export interface EvaluateOptions {
  /** Evaluate the stored (registry) rules; default true. */
  registry?: boolean;
  /** Node-local rules to evaluate as well. */
  localRuleIds?: readonly string[];
}

export interface StatusInput {
  device: string;
  state: 'online' | 'offline';
  ts: number;
  reason?: string | null;
}

interface RuleEntry {
  rule: AlarmRule;
  local: boolean;
  /** null = every device. */
  members: Set<string> | null;
}

function membersOf(selection: DeviceSelection, groupMembers: AlarmEngineOptions['groupMembers']): Set<string> | null {
  if ('all' in selection) return null;
  if ('device' in selection) return new Set([selection.device]);
  if ('devices' in selection) return new Set(selection.devices);
  return new Set(groupMembers?.(selection.group) ?? []);
}

const fmt = (n: number | null) => (n === null ? '–' : Number.isInteger(n) ? String(n) : n.toFixed(2));

export class AlarmEngine extends EventEmitter<{ event: [AlarmEventMessage] }> {
  private readonly options: AlarmEngineOptions;
  private readonly rules = new Map<string, RuleEntry>();
  private readonly alarms = new Map<string, Alarm>();
  private readonly byDevice = new Map<string, Set<string>>();
  /** Rate rules: the previous reading per (rule, device). */
  private readonly previous = new Map<string, { value: number; ts: number }>();
  /** Offline rules: last successful poll of every watched device (devices seen in a poll or a status). */
  private readonly lastSuccess = new Map<string, number>();
  private readonly offlineDevices = new Set<string>();
  private readonly names = new Map<string, string>();
  private readonly journalKeys = new Map<string, number>();
  private pendingJournal: AlarmEvent[] = [];
  private readonly startedAt: number;
  transitions = 0;

  constructor(options: AlarmEngineOptions) {
    super();
    this.options = options;
    this.startedAt = options.clock.now();
    for (const rule of options.store.rules()) this.rules.set(rule.id, { rule, local: false, members: membersOf(rule.devices, options.groupMembers) });
    for (const alarm of options.store.states()) {
      this.index(alarm);
      this.names.set(alarm.device, alarm.deviceName);
      if (alarm.kind === 'offline' && isActive(alarm.state)) this.offlineDevices.add(alarm.device);
      if (alarm.kind === 'offline') this.lastSuccess.set(alarm.device, this.startedAt);
    }
  }

  // ---- rules -------------------------------------------------------------------------------------------

  ruleList(): AlarmRule[] {
    return [...this.rules.values()].filter((e) => !e.local).map((e) => e.rule);
  }

  rule(id: string): AlarmRule | null {
    return this.rules.get(id)?.rule ?? null;
  }

  isLocalRule(id: string): boolean {
    return this.rules.get(id)?.local === true;
  }

  /** Adds or replaces a rule (stored rules are saved by the caller). */
  putRule(rule: AlarmRule, local = false): void {
    const before = this.rules.get(rule.id)?.rule;
    this.rules.set(rule.id, { rule, local, members: membersOf(rule.devices, this.options.groupMembers) });
    if (before) {
      // Priority and messages follow the rule; alarms of devices no longer selected return to normal.
      for (const alarm of this.alarmsOfRule(rule.id)) {
        alarm.priority = rule.priority;
        if (!this.applies(rule.id, alarm.device)) this.forceNormal(alarm, 'rule no longer covers this device');
        else this.mark(alarm);
      }
    }
    this.commit();
  }

  /** Removes a rule; its alarms return to normal (journaled) and are forgotten. */
  removeRule(id: string, why = 'rule deleted'): void {
    for (const alarm of this.alarmsOfRule(id)) this.forceNormal(alarm, why);
    this.rules.delete(id);
    for (const key of [...this.previous.keys()]) if (key.startsWith(`${id}:`)) this.previous.delete(key);
    this.commit();
  }

  /** Group membership changes over time; the service calls this periodically and after group edits. */
  refreshMembers(): void {
    for (const entry of this.rules.values()) entry.members = membersOf(entry.rule.devices, this.options.groupMembers);
  }

  private applies(ruleId: string, device: string): boolean {
    const entry = this.rules.get(ruleId);
    return !!entry && entry.rule.enabled && (entry.members === null || entry.members.has(device));
  }

  // ---- queries -----------------------------------------------------------------------------------------

  all(): Alarm[] {
    return [...this.alarms.values()];
  }

  get(id: string): Alarm | null {
    return this.alarms.get(id) ?? null;
  }

  hasActiveAlarm(device: string): boolean {
    for (const id of this.byDevice.get(device) ?? []) {
      const a = this.alarms.get(id)!;
      if (isActive(a.state) && !a.shelved && !a.outOfService) return true;
    }
    return false;
  }

  isOffline(device: string): boolean {
    return this.offlineDevices.has(device);
  }

  watchedDevices(): number {
    return this.lastSuccess.size;
  }

  // ---- inputs ------------------------------------------------------------------------------------------

  /** One poll message (the §3b contract). Never throws for a well-formed payload. */
  processPoll(payload: PollPayload, options: EvaluateOptions = {}): void {
    const device = payload.device.id;
    const ts = payload.ts;
    if (payload.device.name) this.names.set(device, payload.device.name);
    this.notePoll(payload);
    const ruleIds: string[] = [];
    if (options.registry !== false) for (const [id, e] of this.rules) if (!e.local) ruleIds.push(id);
    for (const id of options.localRuleIds ?? []) if (this.rules.get(id)?.local) ruleIds.push(id);
    for (const ruleId of ruleIds) {
      if (!this.applies(ruleId, device)) continue;
      const rule = this.rules.get(ruleId)!.rule;
      if (rule.kind === 'threshold') this.evaluateThreshold(rule, payload);
      else if (rule.kind === 'controller') this.evaluateController(rule, payload);
    }
    this.commit();
  }

  /** Poll seen (success when at least one value is good): feeds offline detection and ends suppression. */
  notePoll(payload: PollPayload): void {
    const device = payload.device.id;
    if (payload.device.name) this.names.set(device, payload.device.name);
    const good = Object.entries(payload.readings).some(([k, v]) => v !== null && (payload.quality[k] ?? 'good') === 'good');
    if (!this.lastSuccess.has(device)) this.lastSuccess.set(device, Math.min(this.startedAt, payload.ts));
    if (!good) return;
    if ((this.lastSuccess.get(device) ?? 0) < payload.ts) this.lastSuccess.set(device, payload.ts);
    this.deviceOnline(device, payload.ts);
  }

  /** Online/offline transitions of the poller (ecl-controller output 2). */
  recordStatus(status: StatusInput): void {
    if (!this.lastSuccess.has(status.device)) this.lastSuccess.set(status.device, this.startedAt);
    if (status.state === 'online') {
      if ((this.lastSuccess.get(status.device) ?? 0) < status.ts) this.lastSuccess.set(status.device, status.ts);
      this.deviceOnline(status.device, status.ts);
    } else this.deviceOffline(status.device, status.ts, status.reason ?? null);
    this.commit();
  }

  /** Time-driven changes: delays elapsed, re-alarm, shelving expiry, offline alarms. */
  tick(): void {
    const now = this.options.clock.now();
    for (const alarm of [...this.alarms.values()]) {
      const rule = this.rules.get(alarm.ruleId)?.rule;
      if (alarm.shelved && now >= alarm.shelved.until) this.unshelveInternal(alarm, now, SYSTEM_USER, 'shelving expired');
      if (!rule) continue;
      if (alarm.kind !== 'offline' && alarm.pendingSince !== null) this.step(alarm, rule, alarm.condition, now);
      if (alarm.state === 'active-acknowledged' && rule.reAlarmS > 0 && alarm.ack && now - alarm.ack.at >= rule.reAlarmS * 1000) {
        this.transition(alarm, 'active-unacknowledged', 're-alarmed', now, SYSTEM_USER, `still active ${Math.round((now - alarm.ack.at) / 60_000)} min after acknowledgement (re-alarm time ${rule.reAlarmS} s)`);
        alarm.ack = null;
      }
    }
    for (const entry of this.rules.values()) {
      if (entry.rule.kind !== 'offline' || !entry.rule.enabled) continue;
      const rule = entry.rule;
      for (const [device, last] of this.lastSuccess) {
        if (entry.members !== null && !entry.members.has(device)) continue;
        const silent = now - last >= rule.afterS * 1000;
        const id = `${rule.id}:${device}`;
        let alarm = this.alarms.get(id);
        if (!alarm && !silent) continue;
        alarm ??= this.create(rule, device, null, id);
        alarm.value = Math.round((now - last) / 1000);
        alarm.limit = rule.afterS;
        alarm.message = silent
          ? `no successful poll since ${new Date(last).toISOString()} (limit ${Math.round(rule.afterS / 60)} min)`
          : 'polls answered again';
        this.step(alarm, rule, silent, now);
      }
    }
    this.commit();
  }

  // ---- operator actions --------------------------------------------------------------------------------

  acknowledge(id: string, user: string, comment = ''): Alarm {
    const alarm = this.require(id);
    const now = this.options.clock.now();
    if (alarm.state === 'active-unacknowledged') {
      alarm.ack = { at: now, by: user, comment };
      this.transition(alarm, 'active-acknowledged', 'acknowledged', now, user, comment || null);
    } else if (alarm.state === 'returned-unacknowledged') {
      alarm.ack = { at: now, by: user, comment };
      this.transition(alarm, 'normal', 'acknowledged', now, user, comment || null);
    } else {
      throw new AlarmError('invalid_transition', `alarm ${id} is ${alarm.state}; only unacknowledged alarms can be acknowledged`);
    }
    const snapshot = { ...alarm };
    this.commit();
    return snapshot;
  }

  shelve(id: string, user: string, comment: string, until: number): Alarm {
    const alarm = this.require(id);
    const now = this.options.clock.now();
    const max = (this.options.maxShelveS ?? DEFAULT_MAX_SHELVE_S) * 1000;
    if (!(until > now) || until - now > max) throw new AlarmError('invalid_request', `shelve for up to ${max / 3_600_000} hours`, [{ field: 'until', message: `after now and at most ${max / 1000} s ahead` }]);
    if (!comment.trim()) throw new AlarmError('invalid_request', 'shelving needs a reason', [{ field: 'comment', message: 'required' }]);
    const from = this.journalState(alarm);
    alarm.shelved = { at: now, until, by: user, comment };
    this.overlay(alarm, from, 'shelved', 'shelved', now, user, `${comment} (until ${new Date(until).toISOString()})`);
    const snapshot = { ...alarm };
    this.commit();
    return snapshot;
  }

  unshelve(id: string, user: string, comment = ''): Alarm {
    const alarm = this.require(id);
    if (!alarm.shelved) throw new AlarmError('invalid_transition', `alarm ${id} is not shelved`);
    this.unshelveInternal(alarm, this.options.clock.now(), user, comment);
    const snapshot = { ...alarm };
    this.commit();
    return snapshot;
  }

  setOutOfService(id: string, outOfService: boolean, user: string, comment: string): Alarm {
    const alarm = this.require(id);
    const now = this.options.clock.now();
    if (outOfService === !!alarm.outOfService) throw new AlarmError('invalid_transition', `alarm ${id} is ${outOfService ? 'already' : 'not'} out of service`);
    if (outOfService) {
      const from = this.journalState(alarm);
      alarm.outOfService = { since: now, by: user, comment };
      this.overlay(alarm, from, 'out-of-service', 'out-of-service', now, user, comment || null);
    } else {
      alarm.outOfService = null;
      this.overlay(alarm, 'out-of-service', displayState(alarm), 'in-service', now, user, comment || null);
      this.settle(alarm);
    }
    const snapshot = { ...alarm };
    this.commit();
    return snapshot;
  }

  /** Writes pending state rows and journal entries (called after every input; public for shutdown). */
  commit(): void {
    this.options.store.flush();
    if (this.pendingJournal.length) {
      const events = this.pendingJournal;
      this.pendingJournal = [];
      this.options.journal(events);
    }
  }

  // ---- evaluation --------------------------------------------------------------------------------------

  private evaluateThreshold(rule: Extract<AlarmRule, { kind: 'threshold' }>, payload: PollPayload): void {
    const device = payload.device.id;
    const value = payload.readings[rule.point];
    // A missing, unreadable or bad-quality value says nothing about the process: the state stays as it is.
    if (value === null || value === undefined || (payload.quality[rule.point] ?? 'good') !== 'good') return;
    const key = `${rule.id}:${device}`;
    let previous: { value: number; ts: number } | null = null;
    if (rule.condition.type === 'rate') {
      previous = this.previous.get(key) ?? null;
      if (previous && payload.ts <= previous.ts) return; // the same poll seen twice
      this.previous.set(key, { value, ts: payload.ts });
    }
    let alarm = this.alarms.get(key);
    const result = evaluateCondition(rule.condition, rule.deadband, { value, ts: payload.ts, previous, wasActive: alarm?.condition ?? false });
    if (!result || (!alarm && !result.active)) return;
    alarm ??= this.create(rule, device, rule.point, key);
    alarm.value = result.observed;
    alarm.limit = result.limit;
    if (result.active) alarm.message = `${rule.point} ${fmt(result.observed)}${rule.condition.type === 'rate' ? '/min' : ''} ${describeCondition(rule.condition)}`;
    else alarm.message = `${rule.point} ${fmt(result.observed)} back within limit (${describeCondition(rule.condition)}, deadband ${rule.deadband})`;
    this.step(alarm, rule, result.active, payload.ts);
  }

  private evaluateController(rule: Extract<AlarmRule, { kind: 'controller' }>, payload: PollPayload): void {
    const device = payload.device.id;
    const masks = [payload.readings[CONTROLLER_MASK_POINTS.low], payload.readings[CONTROLLER_MASK_POINTS.high]];
    const good = [CONTROLLER_MASK_POINTS.low, CONTROLLER_MASK_POINTS.high].map((k) => (payload.quality[k] ?? 'good') === 'good');
    for (let n = 1; n <= 32; n++) {
      if (rule.numbers.length && !rule.numbers.includes(n)) continue;
      const half = n <= 16 ? 0 : 1;
      const mask = masks[half];
      if (mask === null || mask === undefined || !good[half]) continue;
      const on = ((mask >>> (n - 1 - half * 16)) & 1) === 1;
      const id = `${rule.id}:${device}:${n}`;
      let alarm = this.alarms.get(id);
      if (!alarm && !on) continue;
      alarm ??= this.create(rule, device, `controller_alarm_${n}`, id);
      alarm.value = on ? 1 : 0;
      alarm.limit = null;
      alarm.message = `controller alarm ${n} ${on ? 'active' : 'cleared'} (${n <= 16 ? 'PNU 1025' : 'PNU 1024'} bit ${n - 1 - half * 16}, status PNU ${1039 + n})`;
      this.step(alarm, rule, on, payload.ts);
    }
  }

  /** On/off delays and the schedule between the condition and the lifecycle. */
  private step(alarm: Alarm, rule: AlarmRule, condition: boolean, ts: number): void {
    const conditionChanged = alarm.condition !== condition;
    alarm.condition = condition;
    const active = isActive(alarm.state);
    if (condition === active) {
      if (alarm.pendingSince !== null || conditionChanged) {
        alarm.pendingSince = null;
        this.mark(alarm);
      }
      return this.settle(alarm);
    }
    if (alarm.pendingSince === null || conditionChanged) {
      alarm.pendingSince = ts;
      this.mark(alarm);
    }
    if (!active) {
      if (ts - alarm.pendingSince >= rule.onDelayS * 1000 && inSchedule(rule.schedule, ts, this.options.timeZone)) {
        alarm.activeSince = ts;
        alarm.ack = null;
        alarm.pendingSince = null;
        const why = `${alarm.message}${rule.onDelayS ? ` for ${rule.onDelayS} s` : ''}`;
        this.transition(alarm, 'active-unacknowledged', 'raised', ts, SYSTEM_USER, why);
        if (this.offlineDevices.has(alarm.device) && alarm.kind !== 'offline') this.suppress(alarm, ts);
        if (alarm.kind === 'offline') this.deviceOffline(alarm.device, ts, 'offline alarm');
      }
    } else if (ts - alarm.pendingSince >= rule.offDelayS * 1000) {
      alarm.pendingSince = null;
      const why = `${alarm.message}${rule.offDelayS ? ` for ${rule.offDelayS} s` : ''}`;
      if (alarm.state === 'active-unacknowledged') this.transition(alarm, 'returned-unacknowledged', 'returned', ts, SYSTEM_USER, why);
      else this.transition(alarm, 'normal', 'normal', ts, SYSTEM_USER, why);
    }
  }

  private deviceOffline(device: string, ts: number, reason: string | null): void {
    if (this.offlineDevices.has(device)) return;
    this.offlineDevices.add(device);
    for (const id of this.byDevice.get(device) ?? []) {
      const alarm = this.alarms.get(id)!;
      if (alarm.kind !== 'offline' && !alarm.suppressed) this.suppress(alarm, ts, reason);
    }
  }

  private deviceOnline(device: string, ts: number): void {
    if (!this.offlineDevices.delete(device)) return;
    for (const id of [...(this.byDevice.get(device) ?? [])]) {
      const alarm = this.alarms.get(id)!;
      if (alarm.suppressed) {
        alarm.suppressed = null;
        this.overlay(alarm, 'suppressed', displayState(alarm), 'unsuppressed', ts, SYSTEM_USER, 'device online again');
        this.settle(alarm);
      }
    }
  }

  private suppress(alarm: Alarm, ts: number, reason: string | null = null): void {
    const from = this.journalState(alarm);
    alarm.suppressed = { since: ts, reason: `device offline${reason ? ` (${reason})` : ''}` };
    this.overlay(alarm, from, 'suppressed', 'suppressed', ts, SYSTEM_USER, alarm.suppressed.reason);
  }

  private unshelveInternal(alarm: Alarm, ts: number, user: string, comment: string): void {
    alarm.shelved = null;
    this.overlay(alarm, 'shelved', displayState(alarm), 'unshelved', ts, user, comment || null);
    this.settle(alarm);
  }

  /** Returns an alarm to normal without an operator (rule deleted or narrowed), journaled. */
  private forceNormal(alarm: Alarm, why: string): void {
    const now = this.options.clock.now();
    alarm.shelved = null;
    alarm.suppressed = null;
    alarm.outOfService = null;
    alarm.condition = false;
    alarm.pendingSince = null;
    if (alarm.state !== 'normal') this.transition(alarm, 'normal', 'normal', now, SYSTEM_USER, why);
    this.settle(alarm);
  }

  // ---- bookkeeping -------------------------------------------------------------------------------------

  private create(rule: AlarmRule, device: string, point: string | null, id: string): Alarm {
    const alarm: Alarm = {
      id, ruleId: rule.id, kind: rule.kind, device, deviceName: this.names.get(device) ?? device, point, priority: rule.priority,
      state: 'normal', activeSince: null, changedAt: this.options.clock.now(), value: null, limit: null, message: '',
      ack: null, shelved: null, suppressed: null, outOfService: null, condition: false, pendingSince: null,
    };
    this.index(alarm);
    return alarm;
  }

  private index(alarm: Alarm): void {
    this.alarms.set(alarm.id, alarm);
    let set = this.byDevice.get(alarm.device);
    if (!set) this.byDevice.set(alarm.device, (set = new Set()));
    set.add(alarm.id);
  }

  private require(id: string): Alarm {
    const alarm = this.alarms.get(id);
    if (!alarm) throw new AlarmError('alarm_not_found', `no alarm "${id}" (alarms in the normal state with nothing pending are not kept)`);
    return alarm;
  }

  private *alarmsOfRule(ruleId: string): Generator<Alarm> {
    for (const alarm of [...this.alarms.values()]) if (alarm.ruleId === ruleId) yield alarm;
  }

  private mark(alarm: Alarm): void {
    this.options.store.mark(alarm.id, alarm);
  }

  /** Forgets an alarm that is normal with nothing pending and no overlay (no row, no memory). */
  private settle(alarm: Alarm): void {
    if (alarm.state !== 'normal' || alarm.condition || alarm.pendingSince !== null || alarm.shelved || alarm.outOfService || alarm.suppressed) return;
    this.alarms.delete(alarm.id);
    this.byDevice.get(alarm.device)?.delete(alarm.id);
    this.options.store.mark(alarm.id, null);
  }

  /** Journal state: the overlay when one hides the alarm, else the lifecycle state. */
  private journalState(alarm: Alarm): DisplayState {
    return displayState(alarm);
  }

  private transition(alarm: Alarm, to: LifecycleState, type: AlarmEventType, ts: number, user: string, comment: string | null): void {
    const from = alarm.state;
    alarm.state = to;
    if (to === 'normal') alarm.activeSince = null;
    const hidden = displayState(alarm);
    // A lifecycle change under an overlay is journaled with its lifecycle states and says what hides it.
    this.record(alarm, from, to, type, ts, user, hidden !== to && hidden !== 'normal' && !isLifecycle(hidden) ? `(${hidden}) ${comment ?? ''}`.trim() : comment);
    if (to === 'normal') this.settle(alarm);
  }

  private overlay(alarm: Alarm, from: DisplayState, to: DisplayState, type: AlarmEventType, ts: number, user: string, comment: string | null): void {
    this.record(alarm, from, to, type, ts, user, comment);
  }

  private record(alarm: Alarm, from: DisplayState, to: DisplayState, type: AlarmEventType, ts: number, user: string, comment: string | null): void {
    alarm.changedAt = ts;
    this.transitions++;
    // The journal's key is (ts, alarm, state_to): two changes of one alarm to the same state in the same
    // millisecond would overwrite each other, so the second is moved on by a millisecond.
    const key = `${alarm.id}\u0000${to}`;
    let jts = ts;
    const last = this.journalKeys.get(key);
    if (last !== undefined && jts <= last) jts = last + 1;
    this.journalKeys.set(key, jts);
    if (this.journalKeys.size > 50_000) this.journalKeys.clear();
    this.pendingJournal.push({
      ts: jts, alarmId: alarm.id, ruleId: alarm.ruleId, device: alarm.device, point: alarm.point, stateFrom: from, stateTo: to,
      priority: PRIORITY_RANK[alarm.priority], value: alarm.value, limit: alarm.limit, user, comment,
    });
    if (this.alarms.has(alarm.id)) this.mark(alarm);
    const annunciate = !alarm.shelved && !alarm.suppressed && !alarm.outOfService;
    this.emit('event', { type, ts, from, to, user, comment, alarm: { ...alarm }, annunciate });
  }
}

function isLifecycle(state: DisplayState): state is LifecycleState {
  return state === 'normal' || state === 'active-unacknowledged' || state === 'active-acknowledged' || state === 'returned-unacknowledged';
}
