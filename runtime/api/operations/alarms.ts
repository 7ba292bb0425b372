// Alarms: the active list with filters, one alarm, acknowledge / shelve / unshelve (who: the caller), the
// journal (JSON or CSV), alarm-load figures, and alarm rules CRUD. Everything goes through AlarmService;
// its AlarmErrors become API answers in api-errors.ts.
//
// Paths: journal, load figures and rules are their own resources (/alarm-journal, /alarm-load,
// /alarm-rules), not /alarms/journal: the generated flow registers http-in routes sorted by path, and
// /alarms/:id would otherwise swallow /alarms/journal.
import { Type, type Static } from '@sinclair/typebox';
import type { AlarmView } from '../../alarms/alarm-service.ts';
import type { AlarmEvent } from '../../historian/historian.ts';
import { PRIORITIES, PRIORITY_RANK, RULE_KINDS, type AlarmRule, type DisplayState, type Priority, type RuleKind } from '../../alarms/types.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { csv, epochOf, iso, isoOrNull, list } from '../views.ts';

const DISPLAY_STATES: readonly DisplayState[] = ['normal', 'active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged', 'shelved', 'suppressed', 'out-of-service'];
/** Shorthands of the state filter. */
const STATE_ALIASES: Record<string, DisplayState[]> = {
  active: ['active-unacknowledged', 'active-acknowledged'],
  unacknowledged: ['active-unacknowledged', 'returned-unacknowledged'],
  all: [...DISPLAY_STATES],
};
const MAX_JOURNAL_ROWS = 10_000;
const MAX_LOAD_PERIOD_MS = 93 * 86_400_000;
const ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const priorityOfRank = new Map(PRIORITIES.map((p) => [PRIORITY_RANK[p], p]));

const AlarmParams = Type.Object({ id: S.AlarmId }, { additionalProperties: false });
const RuleParams = Type.Object({ id: S.Id }, { additionalProperties: false });
const DeviceFilter = {
  devices: Type.Optional(Type.String({ maxLength: 100_000, description: 'comma-separated device ids' })),
  group: Type.Optional(S.Id),
};
const Period = { from: S.IsoTime, to: S.IsoTime };

export function alarmView(a: AlarmView): S.Alarm {
  return {
    id: a.id,
    ruleId: a.ruleId,
    kind: a.kind,
    device: a.device,
    deviceName: a.deviceName,
    point: a.point,
    priority: a.priority,
    state: a.state,
    displayState: a.displayState,
    activeSince: isoOrNull(a.activeSince),
    changedAt: iso(a.changedAt),
    value: a.value,
    limit: a.limit,
    message: a.message,
    ack: a.ack ? { at: iso(a.ack.at), by: a.ack.by, comment: a.ack.comment } : null,
    shelved: a.shelved ? { at: iso(a.shelved.at), until: iso(a.shelved.until), by: a.shelved.by, comment: a.shelved.comment } : null,
    suppressed: a.suppressed ? { since: iso(a.suppressed.since), reason: a.suppressed.reason } : null,
    outOfService: a.outOfService ? { since: iso(a.outOfService.since), by: a.outOfService.by, comment: a.outOfService.comment } : null,
  };
}

export function ruleView(rule: AlarmRule): Record<string, unknown> {
  return { ...rule, createdAt: iso(rule.createdAt), updatedAt: iso(rule.updatedAt) };
}

function journalView(e: AlarmEvent): Static<typeof S.AlarmJournalEntry> {
  return {
    ts: iso(e.ts),
    alarmId: e.alarmId,
    ruleId: e.ruleId,
    device: e.device,
    point: e.point,
    stateFrom: e.stateFrom,
    stateTo: e.stateTo,
    priority: priorityOfRank.get(e.priority) ?? null,
    value: e.value,
    limit: e.limit,
    user: e.user,
    comment: e.comment,
  };
}

/** A comma-separated filter whose every item must be one of `allowed` (400 naming the bad ones). */
function oneOf<T extends string>(text: string | undefined, field: string, allowed: readonly string[]): T[] | undefined {
  const items = list(text);
  if (!items.length) return undefined;
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length) throw new ApiError(400, 'invalid_request', `${field}: ${bad.slice(0, 5).map((b) => JSON.stringify(b.slice(0, 40))).join(', ')} not one of ${allowed.join(', ')}`, [{ field, message: `one of ${allowed.join(', ')}` }]);
  return items as T[];
}

function ids(text: string | undefined, field: string): string[] | undefined {
  const items = list(text);
  if (!items.length) return undefined;
  const bad = items.filter((i) => !ID.test(i));
  if (bad.length) throw new ApiError(400, 'invalid_request', `${field}: not an id`, bad.slice(0, 10).map((b) => ({ field, message: `"${b.slice(0, 64)}" is not an id (a-z 0-9 -)` })));
  return items;
}

/** `devices=a,b` or `group=g` (at most one) → device ids to filter by; undefined = every device. */
function deviceFilter(query: { devices?: string; group?: string }, groups: { require(id: string): { id: string }; members(id: string): Array<{ id: string }> }): string[] | undefined {
  if (query.devices !== undefined && query.group !== undefined) throw new ApiError(400, 'invalid_selection', 'give devices= or group=, not both', [{ field: 'devices|group', message: 'at most one' }]);
  if (query.group !== undefined) return groups.members(groups.require(query.group).id).map((d) => d.id);
  return ids(query.devices, 'devices');
}

function period(query: { from: string; to: string }, maxMs?: number): { from: number; to: number } {
  const from = epochOf(query.from, 'from');
  const to = epochOf(query.to, 'to');
  if (from >= to) throw new ApiError(400, 'invalid_request', 'from must be before to', [{ field: 'from', message: 'before to' }]);
  if (maxMs !== undefined && to - from > maxMs) throw new ApiError(422, 'period_too_long', `at most ${maxMs / 86_400_000} days per request`, [{ field: 'to', message: 'too far after from' }]);
  return { from, to };
}

export const alarmOperations: ApiOperation[] = [
  defineOperation({
    id: 'alarms.active',
    method: 'GET',
    path: `${API_BASE}/alarms`,
    tag: 'alarms',
    summary: 'Alarms that are not normal (or any state), most urgent first, with filters and paging',
    description:
      'state: comma-separated display states (normal, active-unacknowledged, active-acknowledged, returned-unacknowledged, shelved, suppressed, out-of-service) ' +
      'or the shorthands active, unacknowledged, all; default: every alarm that is not normal. A shelved alarm also matches its lifecycle state.',
    scope: 'read',
    query: Type.Object(
      {
        ...DeviceFilter,
        state: Type.Optional(Type.String({ maxLength: 500 })),
        priority: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated: low, medium, high, critical' })),
        kind: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated: threshold, controller, offline' })),
        rule: Type.Optional(Type.String({ maxLength: 20_000, description: 'comma-separated rule ids' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      },
      { additionalProperties: false },
    ),
    response: S.AlarmPage,
    errors: [404],
    handler: ({ services, query }) => {
      const stateWords = oneOf<string>(query.state, 'state', [...DISPLAY_STATES, ...Object.keys(STATE_ALIASES)]);
      const states = stateWords ? [...new Set(stateWords.flatMap((s) => STATE_ALIASES[s] ?? [s as DisplayState]))] : undefined;
      const devices = deviceFilter(query, services.groups);
      const limit = query.limit ?? 100;
      const offset = query.offset ?? 0;
      const { items, total } = services.alarms.list({
        ...(states ? { states } : {}),
        ...(devices ? { devices } : {}),
        ...(query.priority !== undefined ? { priorities: oneOf<Priority>(query.priority, 'priority', PRIORITIES) } : {}),
        ...(query.kind !== undefined ? { kinds: oneOf<RuleKind>(query.kind, 'kind', RULE_KINDS) } : {}),
        ...(query.rule !== undefined ? { ruleIds: ids(query.rule, 'rule') } : {}),
        limit,
        offset,
      });
      return { body: { items: items.map(alarmView), total, limit, offset } };
    },
  }),
  defineOperation({
    id: 'alarms.get',
    method: 'GET',
    path: `${API_BASE}/alarms/:id`,
    tag: 'alarms',
    summary: 'One alarm with its lifecycle state, acknowledgement, shelving and suppression',
    scope: 'read',
    params: AlarmParams,
    response: S.Alarm,
    errors: [404],
    handler: ({ services, params }) => ({ body: alarmView(services.alarms.get(params.id)) }),
  }),
  defineOperation({
    id: 'alarms.ack',
    method: 'POST',
    path: `${API_BASE}/alarms/:id/ack`,
    tag: 'alarms',
    summary: 'Acknowledge an unacknowledged alarm, with an optional comment (the caller is recorded in the journal)',
    scope: 'manage:alarms',
    params: AlarmParams,
    body: S.AlarmAck,
    response: S.Alarm,
    errors: [404, 409, 413, 415],
    handler: ({ services, params, body, caller }) => ({ body: alarmView(services.alarms.acknowledge(params.id, { user: caller.actor, ...(body.comment !== undefined ? { comment: body.comment } : {}) })) }),
  }),
  defineOperation({
    id: 'alarms.shelve',
    method: 'POST',
    path: `${API_BASE}/alarms/:id/shelve`,
    tag: 'alarms',
    summary: 'Shelve an alarm for a while (durationS or until, at most 7 days) with a required reason',
    scope: 'manage:alarms',
    params: AlarmParams,
    body: S.AlarmShelve,
    response: S.Alarm,
    errors: [404, 409, 413, 415],
    handler: ({ services, params, body, caller }) => {
      if ((body.durationS === undefined) === (body.until === undefined)) {
        throw new ApiError(400, 'invalid_request', 'give durationS or until (exactly one)', [{ field: 'durationS|until', message: 'exactly one' }]);
      }
      const span = body.until !== undefined ? { until: epochOf(body.until, 'until') } : { durationS: body.durationS! };
      return { body: alarmView(services.alarms.shelve(params.id, { user: caller.actor, comment: body.comment, ...span })) };
    },
  }),
  defineOperation({
    id: 'alarms.unshelve',
    method: 'POST',
    path: `${API_BASE}/alarms/:id/unshelve`,
    tag: 'alarms',
    summary: 'Return a shelved alarm to the operator before its shelving expires',
    scope: 'manage:alarms',
    params: AlarmParams,
    body: S.AlarmAck,
    response: S.Alarm,
    errors: [404, 409, 413, 415],
    handler: ({ services, params, body, caller }) => ({ body: alarmView(services.alarms.unshelve(params.id, { user: caller.actor, ...(body.comment !== undefined ? { comment: body.comment } : {}) })) }),
  }),
  defineOperation({
    id: 'alarms.history',
    method: 'GET',
    path: `${API_BASE}/alarm-journal`,
    tag: 'alarms',
    summary: 'The alarm journal: every transition (raised, acknowledged, shelved, returned ...) with who and why, oldest first (JSON or CSV)',
    scope: 'read',
    query: Type.Object(
      {
        ...Period,
        ...DeviceFilter,
        alarm: Type.Optional(Type.String({ maxLength: 20_000, description: 'comma-separated alarm ids' })),
        rule: Type.Optional(Type.String({ maxLength: 20_000, description: 'comma-separated rule ids' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_JOURNAL_ROWS, default: 1000 })),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
      },
      { additionalProperties: false },
    ),
    response: S.AlarmJournal,
    csv: true,
    errors: [404],
    handler: async ({ services, query, wantsCsv }) => {
      const { from, to } = period(query);
      const limit = query.limit ?? 1000;
      const devices = deviceFilter(query, services.groups);
      const alarmIds = list(query.alarm);
      const ruleIds = ids(query.rule, 'rule');
      if (devices && devices.length === 0) return wantsCsv ? journalCsv([], query) : { body: { items: [], limit, truncated: false } };
      const events = await services.alarms.history({ from, to, limit: limit + 1, ...(devices ? { devices } : {}), ...(alarmIds.length ? { alarmIds } : {}), ...(ruleIds ? { ruleIds } : {}) });
      const items = events.slice(0, limit).map(journalView);
      if (wantsCsv) return journalCsv(items, query);
      return { body: { items, limit, truncated: events.length > limit } };
    },
  }),
  defineOperation({
    id: 'alarms.load',
    method: 'GET',
    path: `${API_BASE}/alarm-load`,
    tag: 'alarms',
    summary: 'Alarm-load figures of a period (ISA-18.2): alarms per 10 minutes, time in flood, standing and chattering alarms, top 10',
    description: 'At most 93 days per request. Standing: active for at least standingAfterS (default 24 h) at the end of the period; chattering: 3 activations within 60 s.',
    scope: 'read',
    query: Type.Object({ ...Period, standingAfterS: Type.Optional(Type.Integer({ minimum: 60, maximum: 90 * 86_400 })) }, { additionalProperties: false }),
    response: S.AlarmLoad,
    errors: [422],
    handler: async ({ services, query }) => {
      const { from, to } = period(query, MAX_LOAD_PERIOD_MS);
      const f = await services.alarms.loadFigures({ from, to, ...(query.standingAfterS ? { standingAfterMs: query.standingAfterS * 1000 } : {}) });
      return {
        body: {
          from: iso(f.from),
          to: iso(f.to),
          alarms: f.alarms,
          reAlarms: f.reAlarms,
          perTenMinutes: { average: f.perTenMinutes.average, peak: f.perTenMinutes.peak, buckets: f.perTenMinutes.buckets.map((b) => ({ ts: iso(b.ts), count: b.count })) },
          flood: { buckets: f.flood.buckets, timeS: f.flood.timeMs / 1000, share: f.flood.share },
          standing: f.standing.map((s) => ({ alarmId: s.alarmId, ruleId: s.ruleId, device: s.device, activeSince: iso(s.activeSince), durationS: s.durationMs / 1000 })),
          chattering: f.chattering,
          top: f.top,
          priorities: f.priorities,
        },
      };
    },
  }),
  defineOperation({
    id: 'alarmRules.list',
    method: 'GET',
    path: `${API_BASE}/alarm-rules`,
    tag: 'alarm rules',
    summary: 'List alarm rules (threshold, controller and offline)',
    scope: 'read',
    query: Type.Object({ kind: Type.Optional(S.AlarmKind) }, { additionalProperties: false }),
    response: S.AlarmRuleList,
    handler: ({ services, query }) => ({ body: { items: services.alarms.listRules().filter((r) => !query.kind || r.kind === query.kind).map(ruleView) as Static<typeof S.AlarmRule>[] } }),
  }),
  defineOperation({
    id: 'alarmRules.get',
    method: 'GET',
    path: `${API_BASE}/alarm-rules/:id`,
    tag: 'alarm rules',
    summary: 'One alarm rule',
    scope: 'read',
    params: RuleParams,
    response: S.AlarmRule,
    errors: [404],
    handler: ({ services, params }) => ({ body: ruleView(services.alarms.getRule(params.id)) as Static<typeof S.AlarmRule> }),
  }),
  defineOperation({
    id: 'alarmRules.create',
    method: 'POST',
    path: `${API_BASE}/alarm-rules`,
    tag: 'alarm rules',
    summary: 'Create an alarm rule (dryRun=true checks it and answers the rule as it would be stored, without storing it)',
    description: 'Defaults: enabled, devices all, priority medium, no delays, no schedule, no receivers. Without an id, one is made from the name.',
    scope: 'manage:rules',
    query: Type.Object({ dryRun: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
    body: S.AlarmRuleCreate,
    status: 201,
    response: S.AlarmRule,
    errors: [409, 413, 415, 422],
    handler: ({ services, query, body, audit }) => {
      if (query.dryRun) return { status: 200, body: ruleView(services.alarms.validateRule(body)) as Static<typeof S.AlarmRule> };
      const rule = services.alarms.createRule(body);
      audit({ action: 'rule.create', newValue: rule.id, detail: JSON.stringify(rule) });
      return { status: 201, body: ruleView(rule) as Static<typeof S.AlarmRule>, headers: { Location: `${API_BASE}/alarm-rules/${rule.id}` } };
    },
  }),
  defineOperation({
    id: 'alarmRules.update',
    method: 'PATCH',
    path: `${API_BASE}/alarm-rules/:id`,
    tag: 'alarm rules',
    summary: 'Change an alarm rule field by field (kind and id stay)',
    scope: 'manage:rules',
    params: RuleParams,
    body: S.AlarmRulePatch,
    response: S.AlarmRule,
    errors: [404, 413, 415, 422],
    handler: ({ services, params, body, audit }) => {
      const before = services.alarms.getRule(params.id);
      const rule = services.alarms.updateRule(params.id, body);
      audit({ action: 'rule.update', oldValue: JSON.stringify(before), newValue: JSON.stringify(rule), detail: rule.id });
      return { body: ruleView(rule) as Static<typeof S.AlarmRule> };
    },
  }),
  defineOperation({
    id: 'alarmRules.delete',
    method: 'DELETE',
    path: `${API_BASE}/alarm-rules/:id`,
    tag: 'alarm rules',
    summary: 'Remove an alarm rule; its alarms end (the journal keeps their history)',
    scope: 'manage:rules',
    params: RuleParams,
    response: S.AlarmRule,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const rule = services.alarms.deleteRule(params.id);
      audit({ action: 'rule.delete', oldValue: rule.id, detail: JSON.stringify(rule) });
      return { body: ruleView(rule) as Static<typeof S.AlarmRule> };
    },
  }),
];

function journalCsv(items: ReturnType<typeof journalView>[], query: { from: string; to: string }) {
  const header = ['ts', 'alarmId', 'ruleId', 'device', 'point', 'stateFrom', 'stateTo', 'priority', 'value', 'limit', 'user', 'comment'] as const;
  return { text: { contentType: 'text/csv; charset=utf-8', content: csv([...header], items.map((i) => header.map((h) => i[h]))), filename: `alarm-journal_${query.from.slice(0, 10)}_${query.to.slice(0, 10)}.csv` } };
}
