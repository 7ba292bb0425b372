// AlarmService: the facade the host, the HTTP API and the nodes use. Owns the engine, the stored rules,
// the tick timer and the journal; emits every alarm event ('event') for nodes, the live stream and mail.
// Errors are AlarmError {code, message, details} (ALARM_ERROR_STATUS maps codes to HTTP statuses).
import { EventEmitter } from 'node:events';
import type { ConfigStore } from '../store/config-store.ts';
import type { AlarmEvent, Historian } from '../historian/historian.ts';
import type { PollPayload } from '../readings.ts';
import type { Logger } from '../log.ts';
import { AlarmEngine, type EvaluateOptions, type StatusInput } from './alarm-engine.ts';
import { AlarmStore } from './alarm-store.ts';
import { computeLoadFigures, type LoadFigureOptions, type LoadFigures } from './load-figures.ts';
import { AlarmError, buildRule } from './rule-validation.ts';
import {
  PRIORITY_RANK, displayState, systemClock, type Alarm, type AlarmEventMessage, type AlarmRule, type Clock, type DisplayState,
  type Priority, type RuleKind,
} from './types.ts';

export interface AlarmServiceDeps {
  store: ConfigStore;
  historian: Pick<Historian, 'writeAlarmEvents' | 'queryAlarmEvents'>;
  timeZone: string;
  clock?: Clock;
  /** Smart groups (for rules on a group); without it only "all" and id lists select devices. */
  groups?: { members(groupId: string): Array<{ id: string }> };
  /** Period of the timer that runs tick() (on/off delays end within it); 0 = no timer (tests call tick()). Default 250 ms. */
  tickMs?: number;
  /** How often group members are re-read; default 60 s. */
  membersRefreshMs?: number;
  /** Create the default offline and controller-alarm rules on first start; default true. */
  installDefaults?: boolean;
  maxShelveS?: number;
  log?: Logger;
}

export type AlarmView = Alarm & { displayState: DisplayState };

export interface AlarmListQuery {
  devices?: string[];
  /** Display states; default every state but normal. */
  states?: DisplayState[];
  priorities?: Priority[];
  ruleIds?: string[];
  kinds?: RuleKind[];
  limit?: number;
  offset?: number;
}

export interface HistoryQuery {
  from: number;
  to: number;
  devices?: string[];
  alarmIds?: string[];
  ruleIds?: string[];
  limit?: number;
}

export interface Actor {
  user: string;
  comment?: string;
}

export const DEFAULT_RULES: ReadonlyArray<Record<string, unknown>> = [
  { id: 'offline', name: 'Device offline', kind: 'offline', devices: { all: true }, priority: 'high', afterS: 15 * 60 },
  { id: 'controller-alarms', name: 'Controller alarms', kind: 'controller', devices: { all: true }, priority: 'high' },
];
const DEFAULTS_SETTING = 'alarms.defaultRulesInstalled';

function requireUser(actor: Actor | undefined): { user: string; comment: string } {
  if (!actor || typeof actor.user !== 'string' || !actor.user.trim()) throw new AlarmError('invalid_request', 'who is acting? (user is required)', [{ field: 'user', message: 'required' }]);
  if (actor.comment !== undefined && typeof actor.comment !== 'string') throw new AlarmError('invalid_request', 'comment must be text', [{ field: 'comment', message: 'text' }]);
  if ((actor.comment ?? '').length > 1000) throw new AlarmError('invalid_request', 'comment too long', [{ field: 'comment', message: 'at most 1000 characters' }]);
  return { user: actor.user.trim(), comment: (actor.comment ?? '').trim() };
}

export class AlarmService extends EventEmitter<{ event: [AlarmEventMessage] }> {
  readonly engine: AlarmEngine;
  private readonly deps: AlarmServiceDeps;
  private readonly clock: Clock;
  private readonly alarmStore: AlarmStore;
  private timers: NodeJS.Timeout[] = [];
  private lastTickMs = 0;
  private journalled = 0;

  constructor(deps: AlarmServiceDeps) {
    super();
    this.setMaxListeners(100);
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.alarmStore = new AlarmStore(deps.store);
    if ((deps.installDefaults ?? true) && deps.store.getSetting(DEFAULTS_SETTING) === null) {
      const existing = new Set(this.alarmStore.rules().map((r) => r.id));
      for (const input of DEFAULT_RULES) if (!existing.has(input.id as string)) this.alarmStore.saveRule(buildRule(input, null, this.clock.now()));
      deps.store.setSetting(DEFAULTS_SETTING, '1');
    }
    this.engine = new AlarmEngine({
      store: this.alarmStore,
      clock: this.clock,
      timeZone: deps.timeZone,
      maxShelveS: deps.maxShelveS,
      groupMembers: deps.groups ? (id) => { try { return deps.groups!.members(id).map((d) => d.id); } catch { return []; } } : undefined,
      journal: (events: AlarmEvent[]) => {
        this.journalled += events.length;
        deps.historian.writeAlarmEvents(events);
      },
    });
    this.engine.on('event', (event) => {
      try {
        this.emit('event', event);
      } catch (err) {
        // A listener's failure must never stop evaluation (polling goes on).
        deps.log?.error(`alarm event listener failed: ${(err as Error).message}`);
      }
    });
  }

  /** Starts the tick timer (delays, re-alarm, shelving expiry, offline) and the group refresh. */
  start(): void {
    const tickMs = this.deps.tickMs ?? 250;
    if (tickMs > 0 && this.timers.length === 0) {
      this.timers.push(setInterval(() => this.tick(), tickMs));
      this.timers.push(setInterval(() => this.engine.refreshMembers(), this.deps.membersRefreshMs ?? 60_000));
      for (const t of this.timers) t.unref();
    }
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.engine.commit();
  }

  // ---- inputs (nodes) ------------------------------------------------------------------------------------

  processPoll(payload: PollPayload, options?: EvaluateOptions): void {
    this.engine.processPoll(payload, options);
  }

  notePoll(payload: PollPayload): void {
    this.engine.notePoll(payload);
    this.engine.commit();
  }

  recordStatus(status: StatusInput): void {
    this.engine.recordStatus(status);
  }

  tick(): void {
    const started = performance.now();
    try {
      this.engine.tick();
    } catch (err) {
      this.deps.log?.error(`alarm tick failed: ${(err as Error).stack ?? String(err)}`);
    }
    this.lastTickMs = performance.now() - started;
  }

  // ---- alarms --------------------------------------------------------------------------------------------

  list(query: AlarmListQuery = {}): { items: AlarmView[]; total: number } {
    const states = query.states ? new Set(query.states) : null;
    const devices = query.devices ? new Set(query.devices) : null;
    const items = this.engine
      .all()
      .map((a) => ({ ...a, displayState: displayState(a) }))
      .filter((a) => (states ? states.has(a.displayState) || states.has(a.state) : a.state !== 'normal' || a.displayState !== 'normal'))
      .filter((a) => !devices || devices.has(a.device))
      .filter((a) => !query.priorities || query.priorities.includes(a.priority))
      .filter((a) => !query.ruleIds || query.ruleIds.includes(a.ruleId))
      .filter((a) => !query.kinds || query.kinds.includes(a.kind))
      .sort((x, y) => PRIORITY_RANK[y.priority] - PRIORITY_RANK[x.priority] || (y.activeSince ?? y.changedAt) - (x.activeSince ?? x.changedAt) || x.id.localeCompare(y.id));
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(Math.max(1, query.limit ?? 1000), 10_000);
    return { items: items.slice(offset, offset + limit), total: items.length };
  }

  get(id: string): AlarmView {
    const alarm = this.engine.get(id);
    if (!alarm) throw new AlarmError('alarm_not_found', `no alarm "${id}"`);
    return { ...alarm, displayState: displayState(alarm) };
  }

  /** The journal (every transition with who and why), oldest first. */
  history(query: HistoryQuery): Promise<AlarmEvent[]> {
    if (!Number.isFinite(query.from) || !Number.isFinite(query.to) || query.from >= query.to) {
      throw new AlarmError('invalid_request', 'history needs from < to (epoch ms)', [{ field: 'from', message: 'before to' }]);
    }
    return this.deps.historian.queryAlarmEvents(query);
  }

  acknowledge(id: string, actor: Actor): AlarmView {
    const { user, comment } = requireUser(actor);
    const alarm = this.engine.acknowledge(id, user, comment);
    return { ...alarm, displayState: displayState(alarm) };
  }

  /** Shelve for `durationS` or until `until` (epoch ms); a reason (comment) is required. */
  shelve(id: string, actor: Actor & { durationS?: number; until?: number }): AlarmView {
    const { user, comment } = requireUser(actor);
    const until = actor.until ?? (typeof actor.durationS === 'number' ? this.clock.now() + actor.durationS * 1000 : NaN);
    if (!Number.isFinite(until)) throw new AlarmError('invalid_request', 'shelve needs durationS or until', [{ field: 'durationS', message: 'seconds' }]);
    const alarm = this.engine.shelve(id, user, comment, until);
    return { ...alarm, displayState: displayState(alarm) };
  }

  unshelve(id: string, actor: Actor): AlarmView {
    const { user, comment } = requireUser(actor);
    const alarm = this.engine.unshelve(id, user, comment);
    return { ...alarm, displayState: displayState(alarm) };
  }

  setOutOfService(id: string, actor: Actor & { outOfService: boolean }): AlarmView {
    const { user, comment } = requireUser(actor);
    const alarm = this.engine.setOutOfService(id, actor.outOfService === true, user, comment);
    return { ...alarm, displayState: displayState(alarm) };
  }

  hasActiveAlarm(device: string): boolean {
    return this.engine.hasActiveAlarm(device);
  }

  async loadFigures(query: { from: number; to: number } & LoadFigureOptions): Promise<LoadFigures> {
    const events = await this.history({ from: query.from, to: query.to, limit: 1_000_000 });
    return computeLoadFigures(events, query.from, query.to, query);
  }

  // ---- rules ---------------------------------------------------------------------------------------------

  listRules(): AlarmRule[] {
    return this.engine.ruleList();
  }

  getRule(id: string): AlarmRule {
    const rule = this.engine.rule(id);
    if (!rule || this.engine.isLocalRule(id)) throw new AlarmError('rule_not_found', `no alarm rule "${id}"`);
    return rule;
  }

  /** Checks a rule without storing it (the editor's and API's dry run). */
  validateRule(input: unknown): AlarmRule {
    return buildRule(input, null, this.clock.now(), (id) => this.engine.rule(id) !== null);
  }

  createRule(input: unknown): AlarmRule {
    const rule = this.validateRule(input);
    if (this.engine.rule(rule.id)) throw new AlarmError('rule_exists', `an alarm rule "${rule.id}" exists already`, [{ field: 'id', message: 'taken' }]);
    this.alarmStore.saveRule(rule);
    this.engine.putRule(rule);
    return rule;
  }

  updateRule(id: string, patch: unknown): AlarmRule {
    const rule = buildRule(patch, this.getRule(id), this.clock.now());
    this.alarmStore.saveRule(rule);
    this.engine.putRule(rule);
    return rule;
  }

  deleteRule(id: string): AlarmRule {
    const rule = this.getRule(id);
    this.engine.removeRule(id);
    this.alarmStore.deleteRule(id);
    this.alarmStore.deleteStatesOfRule(id);
    return rule;
  }

  /** A rule defined in a node (not stored as a rule; its alarm states persist like any other). */
  putLocalRule(input: unknown): AlarmRule {
    const rule = buildRule(input, null, this.clock.now());
    const existing = this.engine.rule(rule.id);
    if (existing && !this.engine.isLocalRule(rule.id)) throw new AlarmError('rule_exists', `a stored alarm rule "${rule.id}" exists already`);
    this.engine.putRule(rule, true);
    return rule;
  }

  /** Node closed: `removed` (deleted from the flow) returns its alarms to normal; a redeploy keeps them. */
  removeLocalRule(id: string, removed: boolean): void {
    if (!this.engine.isLocalRule(id)) return;
    if (removed) this.engine.removeRule(id, 'alarm node removed from the flow');
  }

  health(): { ok: boolean; rules: number; active: number; unacknowledged: number; shelved: number; suppressed: number; watchedDevices: number; journalled: number; lastTickMs: number } {
    let active = 0;
    let unacknowledged = 0;
    let shelved = 0;
    let suppressed = 0;
    for (const a of this.engine.all()) {
      if (a.state === 'active-unacknowledged' || a.state === 'active-acknowledged') active++;
      if (a.state === 'active-unacknowledged' || a.state === 'returned-unacknowledged') unacknowledged++;
      if (a.shelved) shelved++;
      if (a.suppressed) suppressed++;
    }
    return {
      ok: this.lastTickMs < 1000, rules: this.engine.ruleList().length, active, unacknowledged, shelved, suppressed,
      watchedDevices: this.engine.watchedDevices(), journalled: this.journalled, lastTickMs: Math.round(this.lastTickMs * 10) / 10,
    };
  }
}
