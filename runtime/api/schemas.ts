// The API's bodies, declared once: each TypeBox schema is at the same time the TypeScript type (Static<>),
// the JSON Schema the validator checks requests and responses against, and the schema in the OpenAPI
// document. Times are ISO 8601 strings with an offset; ids follow the domain's slugs.
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { SCOPES } from '../auth/api-tokens.ts';
import { ROLES } from '../auth/roles.ts';
import { USER_LANGUAGES } from '../auth/user-settings.ts';
import { PERIOD_PRESETS, REPORT_AGGREGATIONS, REPORT_FORMATS, REPORT_INTERVALS, REPORT_LANGUAGES, REPORT_LAYOUTS } from '../reports/types.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date and time with offset, e.g. 2026-03-01T00:00:00+01:00' });
export const Id = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$', description: 'a slug: a-z 0-9 -, 1..64 characters' });
export const PointKey = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });

// ---- errors
export const FieldProblem = Type.Object({ field: Type.String(), message: Type.String() }, { additionalProperties: true });
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ pattern: '^[a-z][a-z0-9_]*$', description: 'machine-readable snake_case code' }),
      message: Type.String({ description: 'human-readable explanation' }),
      details: Type.Optional(Type.Array(Type.Unknown())),
    }),
  },
  { $id: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

// ---- devices
export const ModbusTcpConnection = Type.Object({ kind: Type.Literal('modbus-tcp'), host: Type.String({ maxLength: 253 }), port: Type.Integer(), unitId: Type.Integer() }, { additionalProperties: false });
export const OpcUaConnection = Type.Object({ kind: Type.Literal('opcua'), endpoint: Type.String({ maxLength: 500 }), nodeIds: Type.Record(Type.String(), Type.String()) }, { additionalProperties: false });
export const GatewayConnection = Type.Object({ kind: Type.Literal('gateway'), gatewayId: Type.String({ maxLength: 64 }), address: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
export const Connection = Type.Union([ModbusTcpConnection, OpcUaConnection, GatewayConnection]);
export const Meter = Type.Object(
  { source: Type.Union([Type.Literal('ecl-mbus'), Type.Literal('template')]), index: Type.Integer(), serial: Type.Optional(Type.String({ maxLength: 64 })), manufacturer: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
export const OnlineState = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]);

export const Device = Type.Object(
  {
    id: Id,
    name: Type.String(),
    model: Type.String(),
    application: Nullable(Type.String()),
    templateId: Nullable(Type.String()),
    connection: Connection,
    address: Type.String(),
    lat: Nullable(Type.Number()),
    lon: Nullable(Type.Number()),
    tags: Type.Array(Type.String()),
    meters: Type.Array(Meter),
    enabled: Type.Boolean(),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    status: Type.Object({ state: OnlineState, since: Nullable(IsoTime), lastSuccess: Nullable(IsoTime), lastError: Nullable(Type.String()) }),
  },
  { $id: 'Device', additionalProperties: false },
);
export type Device = Static<typeof Device>;

/** Create: everything the registry accepts; its own rules (unit ids per model, host names ...) answer 422. */
const deviceFields = {
  id: Type.Optional(Id),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  model: Type.Optional(Type.String({ maxLength: 64 })),
  application: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  templateId: Type.Optional(Nullable(Type.String({ maxLength: 82 }))),
  connection: Type.Optional(
    Type.Object(
      {
        kind: Type.Optional(Type.Union([Type.Literal('modbus-tcp'), Type.Literal('opcua'), Type.Literal('gateway')])),
        host: Type.Optional(Type.String({ maxLength: 253 })),
        port: Type.Optional(Type.Integer()),
        unitId: Type.Optional(Type.Integer()),
        endpoint: Type.Optional(Type.String({ maxLength: 500 })),
        nodeIds: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 500 }), { maxProperties: 1000 })),
        gatewayId: Type.Optional(Type.String({ maxLength: 64 })),
        address: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
  ),
  address: Type.Optional(Type.String({ maxLength: 200 })),
  lat: Type.Optional(Nullable(Type.Number())),
  lon: Type.Optional(Nullable(Type.Number())),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 48 }), { maxItems: 100 })),
  meters: Type.Optional(Type.Array(Meter, { maxItems: 20 })),
  enabled: Type.Optional(Type.Boolean()),
};
export const DeviceCreate = Type.Object({ ...deviceFields, name: Type.String({ minLength: 1, maxLength: 200 }) }, { $id: 'DeviceCreate', additionalProperties: false });
export const DevicePatch = Type.Object({ ...deviceFields, id: Type.Optional(Type.Never({ description: 'ids never change' })) }, { $id: 'DevicePatch', additionalProperties: false, minProperties: 1 });

export const Page = <T extends TSchema>(item: T, id: string) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }), limit: Type.Integer(), offset: Type.Integer() }, { $id: id, additionalProperties: false });
export const DevicePage = Page(Device, 'DevicePage');

export const CsvImportResult = Type.Object(
  {
    committed: Type.Boolean(),
    dryRun: Type.Boolean(),
    delimiter: Type.String(),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    failed: Type.Integer(),
    rows: Type.Array(
      Type.Object({
        line: Type.Integer(),
        id: Nullable(Type.String()),
        outcome: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged'), Type.Literal('error')]),
        errors: Type.Optional(Type.Array(FieldProblem)),
        message: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'CsvImportResult' },
);

export const DetectedApplication = Type.Object({ device: Id, application: Nullable(Type.String()), version: Nullable(Type.String()), changed: Type.Boolean() }, { $id: 'DetectedApplication', additionalProperties: false });

// ---- smart groups
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lon = Type.Number({ minimum: -180, maximum: 180 });
const IdList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10_000 });
export const GroupFilter = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 48 }), { maxItems: 100 })),
    tagMatch: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('all')])),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    bbox: Type.Optional(Type.Object({ minLat: Lat, minLon: Lon, maxLat: Lat, maxLon: Lon }, { additionalProperties: false })),
    near: Type.Optional(Type.Object({ lat: Lat, lon: Lon, radiusKm: Type.Number({ exclusiveMinimum: 0, maximum: 20_000 }) }, { additionalProperties: false })),
    models: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
    applications: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 100 })),
    status: Type.Optional(Type.Array(Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown'), Type.Literal('alarm')]))),
    enabled: Type.Optional(Type.Boolean()),
    include: Type.Optional(IdList),
    exclude: Type.Optional(IdList),
  },
  { $id: 'GroupFilter', additionalProperties: false },
);
export const Group = Type.Object(
  { id: Id, name: Type.String(), description: Type.String(), filter: GroupFilter, memberCount: Type.Integer({ minimum: 0 }), createdAt: IsoTime, updatedAt: IsoTime },
  { $id: 'Group', additionalProperties: false },
);
export type Group = Static<typeof Group>;
export const GroupCreate = Type.Object(
  { id: Type.Optional(Id), name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 1000 })), filter: GroupFilter },
  { $id: 'GroupCreate', additionalProperties: false },
);
export const GroupPatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), description: Type.Optional(Type.String({ maxLength: 1000 })), filter: Type.Optional(GroupFilter) },
  { $id: 'GroupPatch', additionalProperties: false, minProperties: 1 },
);
export const GroupList = Type.Object({ items: Type.Array(Group) }, { $id: 'GroupList', additionalProperties: false });

// ---- templates
export const TemplatePoint = Type.Object(
  {
    key: PointKey,
    label: Type.String({ maxLength: 200 }),
    register: Type.Integer({ minimum: 0, maximum: 65535 }),
    read: Type.Union([Type.Literal('holding'), Type.Literal('input')]),
    type: Type.Union([Type.Literal('int16'), Type.Literal('uint16'), Type.Literal('int32'), Type.Literal('uint32')]),
    scale: Type.Number(),
    unit: Type.String({ maxLength: 20 }),
    access: Type.Union([Type.Literal('r'), Type.Literal('rw')]),
    kind: Type.Union(['measurement', 'counter', 'setpoint', 'state', 'alarm', 'identity'].map((k) => Type.Literal(k))),
    cadence: Type.Union([Type.Literal('live'), Type.Literal('settings')]),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    sensorBreakRaw: Type.Optional(Type.Array(Type.Integer(), { maxItems: 10 })),
    pnu: Type.Optional(Type.Integer()),
  },
  { $id: 'TemplatePoint', additionalProperties: false },
);
const templateFields = {
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9._/-]{1,80}$' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  models: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }),
  application: Nullable(Type.String({ maxLength: 32 })),
  protocol: Type.Union([Type.Literal('modbus-tcp'), Type.Literal('modbus-rtu')]),
  maxRegistersPerRead: Type.Integer({ minimum: 1, maximum: 125 }),
  points: Type.Array(TemplatePoint, { minItems: 1, maxItems: 2000 }),
};
export const Template = Type.Object({ ...templateFields, id: Type.String({ description: 'built-in ids look like ecl-comfort/A266.1' }), source: Type.Union([Type.Literal('builtin'), Type.Literal('user')]) }, { $id: 'Template', additionalProperties: false });
export const TemplateCreate = Type.Object(
  { ...templateFields, application: Type.Optional(templateFields.application), maxRegistersPerRead: Type.Optional(templateFields.maxRegistersPerRead), source: Type.Optional(Type.Literal('user')) },
  { $id: 'TemplateCreate', additionalProperties: false },
);
export const TemplateSummary = Type.Object(
  { id: Type.String(), name: Type.String(), models: Type.Array(Type.String()), application: Nullable(Type.String()), protocol: Type.String(), source: Type.Union([Type.Literal('builtin'), Type.Literal('user')]), pointCount: Type.Integer() },
  { $id: 'TemplateSummary', additionalProperties: false },
);
export const TemplateList = Type.Object({ items: Type.Array(TemplateSummary) }, { $id: 'TemplateList', additionalProperties: false });

// ---- readings
export const Quality = Type.Union([Type.Literal('good'), Type.Literal('sensor-break'), Type.Literal('stale'), Type.Literal('comm-error')]);
export const LatestReadings = Type.Object(
  { items: Type.Array(Type.Object({ device: Type.String(), point: Type.String(), ts: IsoTime, value: Nullable(Type.Number()), quality: Quality }, { additionalProperties: false })) },
  { $id: 'LatestReadings', additionalProperties: false },
);
export const Interval = Type.Union([Type.Literal('raw'), Type.Literal('15m'), Type.Literal('1h'), Type.Literal('1d'), Type.Literal('1mo')]);
export const Aggregate = Type.Union([Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('last')]);
export const ReadingHistory = Type.Object(
  {
    device: Type.String(),
    from: IsoTime,
    to: IsoTime,
    interval: Interval,
    agg: Aggregate,
    timeZone: Type.String(),
    series: Type.Array(
      Type.Object({ point: Type.String(), rows: Type.Array(Type.Object({ ts: IsoTime, value: Nullable(Type.Number()), quality: Type.Optional(Quality) }, { additionalProperties: false })) }, { additionalProperties: false }),
    ),
  },
  { $id: 'ReadingHistory', additionalProperties: false },
);
export const Consumption = Type.Object(
  {
    from: IsoTime,
    to: IsoTime,
    interval: Nullable(Type.String()),
    items: Type.Array(
      Type.Object(
        { device: Type.String(), point: Type.String(), total: Type.Number(), resets: Type.Integer(), buckets: Type.Array(Type.Object({ ts: IsoTime, value: Nullable(Type.Number()) }, { additionalProperties: false })) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'Consumption', additionalProperties: false },
);

// ---- audit
const AuditValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
export const AuditEntry = Type.Object(
  { ts: IsoTime, actor: Type.String(), action: Type.String(), device: Nullable(Type.String()), point: Nullable(Type.String()), oldValue: AuditValue, newValue: AuditValue, outcome: Type.String(), detail: Nullable(Type.String()) },
  { $id: 'AuditEntry', additionalProperties: false },
);
export const AuditList = Type.Object({ items: Type.Array(AuditEntry), limit: Type.Integer() }, { $id: 'AuditList', additionalProperties: false });

// ---- tokens
export const Scope = Type.Union(SCOPES.map((s) => Type.Literal(s)));
export const ApiToken = Type.Object(
  { id: Type.String(), name: Type.String(), prefix: Type.String(), scopes: Type.Array(Scope), createdBy: Type.String(), createdAt: IsoTime, expiresAt: Nullable(IsoTime), revokedAt: Nullable(IsoTime), lastUsedAt: Nullable(IsoTime) },
  { $id: 'ApiToken', additionalProperties: false },
);
export type ApiToken = Static<typeof ApiToken>;
export const ApiTokenList = Type.Object({ items: Type.Array(ApiToken) }, { $id: 'ApiTokenList', additionalProperties: false });
export const ApiTokenCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
    expiresAt: Type.Optional(Nullable(IsoTime)),
  },
  { $id: 'ApiTokenCreate', additionalProperties: false },
);
export const ApiTokenCreated = Type.Object(
  { token: ApiToken, secret: Type.String({ description: 'the bearer secret (hg_...); shown once, store it now' }) },
  { $id: 'ApiTokenCreated', additionalProperties: false },
);

// ---- caller and health
export const Me = Type.Object(
  { kind: Type.Union([Type.Literal('user'), Type.Literal('token')]), actor: Type.String(), role: Nullable(Type.String()), scopes: Type.Array(Scope) },
  { $id: 'Me', additionalProperties: false },
);
export const Health = Type.Object(
  { status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]), sections: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean() }, { additionalProperties: true })) },
  { $id: 'Health', additionalProperties: false },
);

// ---- alarms (runtime/alarms: ISA-18.2 lifecycle, rules, journal, load figures)
const Literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
export const AlarmPriority = Literals(['low', 'medium', 'high', 'critical']);
export const AlarmKind = Literals(['threshold', 'controller', 'offline']);
export const AlarmLifecycleState = Literals(['normal', 'active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged']);
export const AlarmDisplayState = Literals(['normal', 'active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged', 'shelved', 'suppressed', 'out-of-service']);
export const AlarmId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}:[a-z0-9][a-z0-9-]{0,63}(?::[0-9]{1,2})?$', description: '<ruleId>:<deviceId>, or <ruleId>:<deviceId>:<alarm no.> for controller alarms' });
export const Alarm = Type.Object(
  {
    id: Type.String(),
    ruleId: Type.String(),
    kind: AlarmKind,
    device: Type.String(),
    deviceName: Type.String(),
    point: Nullable(Type.String()),
    priority: AlarmPriority,
    state: AlarmLifecycleState,
    displayState: AlarmDisplayState,
    activeSince: Nullable(IsoTime),
    changedAt: IsoTime,
    value: Nullable(Type.Number()),
    limit: Nullable(Type.Number()),
    message: Type.String(),
    ack: Nullable(Type.Object({ at: IsoTime, by: Type.String(), comment: Type.String() }, { additionalProperties: false })),
    shelved: Nullable(Type.Object({ at: IsoTime, until: IsoTime, by: Type.String(), comment: Type.String() }, { additionalProperties: false })),
    suppressed: Nullable(Type.Object({ since: IsoTime, reason: Type.String() }, { additionalProperties: false })),
    outOfService: Nullable(Type.Object({ since: IsoTime, by: Type.String(), comment: Type.String() }, { additionalProperties: false })),
  },
  { $id: 'Alarm', additionalProperties: false },
);
export type Alarm = Static<typeof Alarm>;
export const AlarmPage = Page(Alarm, 'AlarmPage');
const AlarmComment = Type.String({ maxLength: 1000 });
export const AlarmAck = Type.Object({ comment: Type.Optional(AlarmComment) }, { $id: 'AlarmAck', additionalProperties: false });
export const AlarmShelve = Type.Object(
  {
    comment: Type.String({ minLength: 1, maxLength: 1000, description: 'why (required)' }),
    durationS: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: 'shelve for this many seconds (give durationS or until)' })),
    until: Type.Optional(IsoTime),
  },
  { $id: 'AlarmShelve', additionalProperties: false },
);
export const AlarmJournalEntry = Type.Object(
  {
    ts: IsoTime,
    alarmId: Type.String(),
    ruleId: Type.String(),
    device: Type.String(),
    point: Nullable(Type.String()),
    stateFrom: Type.String(),
    stateTo: Type.String(),
    priority: Nullable(AlarmPriority),
    value: Nullable(Type.Number()),
    limit: Nullable(Type.Number()),
    user: Nullable(Type.String()),
    comment: Nullable(Type.String()),
  },
  { $id: 'AlarmJournalEntry', additionalProperties: false },
);
export const AlarmJournal = Type.Object(
  { items: Type.Array(AlarmJournalEntry), limit: Type.Integer(), truncated: Type.Boolean({ description: 'true when more entries matched than limit (ask a shorter period)' }) },
  { $id: 'AlarmJournal', additionalProperties: false },
);
const AlarmRef = { alarmId: Type.String(), ruleId: Type.String(), device: Type.String() };
export const AlarmLoad = Type.Object(
  {
    from: IsoTime,
    to: IsoTime,
    alarms: Type.Integer({ description: 'annunciations (raised from normal or returned)' }),
    reAlarms: Type.Integer(),
    perTenMinutes: Type.Object({ average: Type.Number(), peak: Type.Integer(), buckets: Type.Array(Type.Object({ ts: IsoTime, count: Type.Integer() }, { additionalProperties: false })) }, { additionalProperties: false }),
    flood: Type.Object({ buckets: Type.Integer(), timeS: Type.Number(), share: Type.Number({ description: 'share of 10-minute buckets with more than 10 alarms' }) }, { additionalProperties: false }),
    standing: Type.Array(Type.Object({ ...AlarmRef, activeSince: IsoTime, durationS: Type.Number() }, { additionalProperties: false })),
    chattering: Type.Array(Type.Object({ ...AlarmRef, activations: Type.Integer(), maxInWindow: Type.Integer() }, { additionalProperties: false })),
    top: Type.Array(Type.Object({ ...AlarmRef, count: Type.Integer() }, { additionalProperties: false })),
    priorities: Type.Object({ low: Type.Integer(), medium: Type.Integer(), high: Type.Integer(), critical: Type.Integer() }, { additionalProperties: false }),
  },
  { $id: 'AlarmLoad', additionalProperties: false },
);

// Alarm rules: the schema fixes the shape and types; the alarm service's own checks (fields per kind, limits,
// schedules, deadband against the band, known groups) answer 422 invalid_rule naming every problem.
export const RuleSelection = Type.Object(
  {
    device: Type.Optional(Type.String({ maxLength: 64 })),
    devices: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10_000 })),
    group: Type.Optional(Type.String({ maxLength: 64 })),
    all: Type.Optional(Type.Literal(true)),
  },
  { $id: 'DeviceSelection', additionalProperties: false, description: 'exactly one of device, devices, group, all' },
);
export const ThresholdCondition = Type.Union(
  [
    Type.Object({ type: Literals(['high', 'low', 'rate']), limit: Type.Number() }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('band'), low: Type.Number(), high: Type.Number() }, { additionalProperties: false }),
  ],
  { $id: 'ThresholdCondition' },
);
export const AlarmSchedule = Type.Object(
  { days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }), from: Type.String({ pattern: '^\\d\\d:\\d\\d$' }), to: Type.String({ pattern: '^\\d\\d:\\d\\d$' }) },
  { $id: 'AlarmSchedule', additionalProperties: false, description: 'ISO weekdays (1 = Monday) and a local time window; from > to wraps midnight' },
);
export const AlarmReceiver = Type.Object({ email: Type.String({ maxLength: 254 }), language: Literals(['en', 'de', 'da', 'sv']) }, { $id: 'AlarmReceiver', additionalProperties: false });
const Seconds = Type.Number({ minimum: 0 });
const ruleFields = {
  id: Id,
  name: Type.String({ minLength: 1, maxLength: 120 }),
  kind: AlarmKind,
  enabled: Type.Boolean(),
  devices: RuleSelection,
  priority: AlarmPriority,
  onDelayS: Seconds,
  offDelayS: Seconds,
  reAlarmS: Seconds,
  schedule: Nullable(AlarmSchedule),
  notifyDelayS: Seconds,
  notifyOnReturn: Type.Boolean(),
  point: PointKey,
  condition: ThresholdCondition,
  deadband: Type.Number({ minimum: 0 }),
  numbers: Type.Array(Type.Integer({ minimum: 1, maximum: 32 }), { maxItems: 32 }),
  afterS: Seconds,
};
const optionalRuleFields = Object.fromEntries(Object.entries(ruleFields).map(([k, s]) => [k, Type.Optional(s)])) as { [K in keyof typeof ruleFields]: TOptional<(typeof ruleFields)[K]> };
export const AlarmRule = Type.Object(
  {
    ...optionalRuleFields,
    id: Type.String(),
    name: Type.String(),
    point: Type.Optional(Type.String()),
    kind: AlarmKind,
    enabled: Type.Boolean(),
    devices: RuleSelection,
    priority: AlarmPriority,
    onDelayS: Type.Number(),
    offDelayS: Type.Number(),
    reAlarmS: Type.Number(),
    schedule: Nullable(AlarmSchedule),
    receivers: Type.Array(AlarmReceiver),
    notifyDelayS: Type.Number(),
    notifyOnReturn: Type.Boolean(),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  { $id: 'AlarmRule', additionalProperties: false, description: 'threshold rules carry point, condition, deadband; controller rules numbers; offline rules afterS' },
);
export const AlarmRuleList = Type.Object({ items: Type.Array(AlarmRule) }, { $id: 'AlarmRuleList', additionalProperties: false });
const RuleReceivers = Type.Array(Type.Object({ email: Type.String({ maxLength: 254 }), language: Type.Optional(Literals(['en', 'de', 'da', 'sv'])) }, { additionalProperties: false }), { maxItems: 100 });
export const AlarmRuleCreate = Type.Object(
  { ...optionalRuleFields, name: ruleFields.name, kind: ruleFields.kind, receivers: Type.Optional(RuleReceivers) },
  { $id: 'AlarmRuleCreate', additionalProperties: false },
);
export const AlarmRulePatch = Type.Object(
  { ...optionalRuleFields, id: Type.Optional(Type.Never({ description: 'ids never change' })), kind: Type.Optional(Type.Never({ description: 'the kind never changes' })), receivers: Type.Optional(RuleReceivers) },
  { $id: 'AlarmRulePatch', additionalProperties: false, minProperties: 1 },
);

// ---- setpoints (runtime/control: validated, read back, audited writes; group writes as jobs)
export const WriteOutcome = Literals(['written', 'unchanged', 'refused', 'failed', 'offline']);
export const DeviceWriteResult = Type.Object(
  {
    device: Type.String(),
    point: Type.String(),
    outcome: WriteOutcome,
    code: Nullable(Type.String({ description: 'why, for refused/failed/offline: out_of_range, not_writable, unknown_point, device_offline, controller_exception_3, read_back_mismatch, cancelled ...' })),
    message: Nullable(Type.String()),
    oldValue: Nullable(Type.Number()),
    requestedValue: Type.Number(),
    readBack: Nullable(Type.Number({ description: 'the value the controller reported after the write' })),
    ts: IsoTime,
  },
  { $id: 'DeviceWriteResult', additionalProperties: false },
);
export const SetpointWrite = Type.Object(
  {
    device: Type.Optional(Id),
    selection: Type.Optional(RuleSelection),
    point: PointKey,
    value: Type.Number(),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'goes into the audit log' })),
  },
  { $id: 'SetpointWrite', additionalProperties: false, description: 'give device (one controller, answered at once) or selection (a job)' },
);
const OutcomeCounts = Type.Object({ written: Type.Integer(), unchanged: Type.Integer(), refused: Type.Integer(), failed: Type.Integer(), offline: Type.Integer() }, { additionalProperties: false });
export const SetpointJob = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    point: Type.String(),
    value: Type.Number(),
    actor: Type.String(),
    state: Literals(['running', 'done', 'cancelled']),
    total: Type.Integer(),
    completed: Type.Integer(),
    counts: OutcomeCounts,
    results: Type.Array(DeviceWriteResult),
    createdAt: IsoTime,
    finishedAt: Nullable(IsoTime),
  },
  { $id: 'SetpointJob', additionalProperties: false },
);

// ---- reports (runtime/reports: definitions, runs, stored files). The schema fixes shapes and types; the
// report service's own checks (cron expressions, e-mail addresses, locales, dates, known groups) answer 422
// invalid_report naming every problem.
const PeriodPreset = Literals(PERIOD_PRESETS);
export const ReportPeriod = Type.Union(
  [
    Type.Object({ preset: PeriodPreset }, { additionalProperties: false }),
    Type.Object({ rollingDays: Type.Integer({ minimum: 1, maximum: 3660 }) }, { additionalProperties: false }),
    Type.Object({ from: Type.String({ maxLength: 40 }), to: Type.String({ maxLength: 40 }) }, { additionalProperties: false, description: 'ISO 8601 dates (local midnight in the utility\'s zone) or date-times with offset' }),
  ],
  { $id: 'ReportPeriod', description: 'a preset (this/last week, month, ...), the N complete days before today, or a custom range' },
);
const ReportAggregation = Literals(REPORT_AGGREGATIONS);
const ReportFormat = Literals(REPORT_FORMATS);
const ReportCsvOptions = Type.Object(
  { bom: Type.Optional(Type.Boolean()), numberLocale: Type.Optional(Type.String({ maxLength: 35 })), delimiter: Type.Optional(Literals([',', ';', '\t'])) },
  { additionalProperties: false },
);
const ReportScheduleBody = Type.Object({ cron: Type.String({ minLength: 1, maxLength: 100, description: 'five fields (m h dom mon dow) or @daily, @weekly, @monthly, @yearly, @hourly; the utility\'s time zone' }), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const ReportEmail = Type.Object({ to: Type.Array(Type.String({ maxLength: 254 }), { maxItems: 50 }), subject: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const ReportDefinitionInput = Type.Object(
  {
    id: Type.Optional(Id),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    period: Type.Union([PeriodPreset, ReportPeriod]),
    devices: RuleSelection,
    points: Type.Array(
      Type.Union([
        PointKey,
        Type.Object(
          { key: PointKey, aggregation: Type.Optional(ReportAggregation), label: Type.Optional(Type.String({ maxLength: 80 })), decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })) },
          { additionalProperties: false },
        ),
      ]),
      { minItems: 1, maxItems: 50 },
    ),
    interval: Type.Optional(Literals(REPORT_INTERVALS)),
    layout: Type.Optional(Literals(REPORT_LAYOUTS)),
    language: Type.Optional(Literals(REPORT_LANGUAGES)),
    formats: Type.Array(ReportFormat, { minItems: 1, maxItems: REPORT_FORMATS.length }),
    csv: Type.Optional(ReportCsvOptions),
    schedule: Type.Optional(Nullable(ReportScheduleBody)),
    delivery: Type.Optional(
      Type.Object(
        { email: Type.Optional(Nullable(ReportEmail)), store: Type.Optional(Type.Union([Type.Literal(false), Type.Null(), Type.Object({ retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }, { additionalProperties: false })])) },
        { additionalProperties: false },
      ),
    ),
    createdAt: Type.Optional(IsoTime),
    updatedAt: Type.Optional(IsoTime),
  },
  { $id: 'ReportDefinitionInput', additionalProperties: false, description: 'Defaults: interval 1d, layout sheet-per-device, language en, no schedule, stored 30 days, no mail. createdAt/updatedAt are ignored (a GET body can be sent back as it is).' },
);
export const ReportDefinition = Type.Object(
  {
    id: Id,
    title: Type.String(),
    description: Type.String(),
    period: ReportPeriod,
    devices: RuleSelection,
    points: Type.Array(Type.Object({ key: Type.String(), aggregation: ReportAggregation, decimals: Type.Integer(), label: Type.String() }, { additionalProperties: false })),
    interval: Literals(REPORT_INTERVALS),
    layout: Literals(REPORT_LAYOUTS),
    language: Literals(REPORT_LANGUAGES),
    formats: Type.Array(ReportFormat),
    csv: ReportCsvOptions,
    schedule: Nullable(ReportScheduleBody),
    delivery: Type.Object({ email: Nullable(ReportEmail), store: Nullable(Type.Object({ retentionDays: Type.Integer() }, { additionalProperties: false })) }, { additionalProperties: false }),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    nextRunAt: Nullable(IsoTime),
  },
  { $id: 'ReportDefinition', additionalProperties: false },
);
export const ReportDefinitionList = Type.Object({ items: Type.Array(ReportDefinition) }, { $id: 'ReportDefinitionList', additionalProperties: false });
export const ReportRun = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    definitionId: Nullable(Type.String()),
    title: Type.String(),
    trigger: Literals(['manual', 'schedule', 'catch-up']),
    scheduledFor: Nullable(IsoTime),
    status: Literals(['queued', 'running', 'succeeded', 'failed']),
    period: Type.Object({ from: IsoTime, to: IsoTime }, { additionalProperties: false }),
    devices: Type.Integer(),
    progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }, { additionalProperties: false }),
    createdAt: IsoTime,
    startedAt: Nullable(IsoTime),
    finishedAt: Nullable(IsoTime),
    durationMs: Nullable(Type.Number()),
    error: Nullable(Type.String()),
    files: Type.Array(
      Type.Object(
        { name: Type.String(), format: ReportFormat, bytes: Type.Integer(), contentType: Type.String(), available: Type.Boolean(), url: Nullable(Type.String({ description: 'download path (GET, scope read); null once expired' })) },
        { additionalProperties: false },
      ),
    ),
    deliveries: Type.Array(
      Type.Object(
        { kind: Type.Literal('mail'), to: Type.String(), state: Literals(['pending', 'sent', 'failed']), attempts: Type.Integer(), lastError: Nullable(Type.String()), sentAt: Nullable(IsoTime) },
        { additionalProperties: false },
      ),
    ),
    expiresAt: Nullable(IsoTime),
  },
  { $id: 'ReportRun', additionalProperties: false },
);
export const ReportRunList = Type.Object({ items: Type.Array(ReportRun) }, { $id: 'ReportRunList', additionalProperties: false });
export const ReportRunStarted = Type.Object({ run: ReportRun }, { $id: 'ReportRunStarted', additionalProperties: false });

// ---- map pins (one compact answer for the whole fleet's map)
export const MapPin = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    lat: Type.Number(),
    lon: Type.Number(),
    status: Literals(['ok', 'alarm', 'offline', 'unknown']),
    priority: Nullable(AlarmPriority),
  },
  { $id: 'MapPin', additionalProperties: false },
);
export const MapPins = Type.Object({ pins: Type.Array(MapPin) }, { $id: 'MapPins', additionalProperties: false });

// ---- per-user settings (sessions only)
const TemperatureUnit = Literals(['C', 'F']);
const PowerUnit = Literals(['kW', 'MW']);
const EnergyUnit = Literals(['kWh', 'MWh']);
const PortalLayout = Type.Object({}, { additionalProperties: true, description: 'the start portal layout as the operator app stores it (at most 64 KB of JSON)' });
export const UserSettings = Type.Object(
  {
    language: Type.String(),
    units: Type.Object({ temperature: TemperatureUnit, power: PowerUnit, energy: EnergyUnit }, { additionalProperties: false }),
    portal: Nullable(PortalLayout),
    updatedAt: Nullable(IsoTime),
  },
  { $id: 'UserSettings', additionalProperties: false },
);
export const UserSettingsUpdate = Type.Object(
  {
    language: Type.Optional(Literals(USER_LANGUAGES)),
    units: Type.Optional(Type.Object({ temperature: Type.Optional(TemperatureUnit), power: Type.Optional(PowerUnit), energy: Type.Optional(EnergyUnit) }, { additionalProperties: false })),
    portal: Type.Optional(Nullable(PortalLayout)),
  },
  { $id: 'UserSettingsUpdate', additionalProperties: false, minProperties: 1, description: 'only the fields sent change (units field by field); portal null = back to the default layout' },
);

// ---- users (admin)
const Username = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,63}$', description: '2-64 characters a-z 0-9 . _ -, starting with a letter or digit' });
const Role = Literals(ROLES);
const Password = Type.String({ minLength: 1, maxLength: 256, description: 'at least 12 characters' });
export const User = Type.Object(
  { username: Type.String(), role: Role, language: Type.String(), createdAt: IsoTime, updatedAt: IsoTime },
  { $id: 'User', additionalProperties: false },
);
export const UserList = Type.Object({ items: Type.Array(User) }, { $id: 'UserList', additionalProperties: false });
export const UserCreate = Type.Object(
  { username: Username, role: Role, password: Password, language: Type.Optional(Literals(USER_LANGUAGES)) },
  { $id: 'UserCreate', additionalProperties: false },
);
export const UserPatch = Type.Object(
  { role: Type.Optional(Role), password: Type.Optional(Password) },
  { $id: 'UserPatch', additionalProperties: false, minProperties: 1, description: 'a new password ends every session of that user' },
);
export const UsernameParams = Type.Object({ username: Username }, { additionalProperties: false });
