// Alarm rules from outside (API body, node config, store): checked once here, listing every problem, and
// completed with defaults. Errors carry {code, message, details} as the API contract wants them.
import { parseSelection, SelectionError } from '../devices/selection.ts';
import { DEVICE_ID, type FieldProblem } from '../devices/validation.ts';
import { HHMM } from './schedule.ts';
import {
  LANGUAGES, PRIORITIES, RULE_KINDS, type AlarmRule, type Language, type Priority, type Receiver, type RuleKind, type Schedule,
  type ThresholdCondition,
} from './types.ts';

export type AlarmErrorCode =
  | 'invalid_rule' | 'rule_not_found' | 'rule_exists' | 'alarm_not_found' | 'invalid_transition' | 'invalid_request';

/** HTTP status the API should answer each code with. */
export const ALARM_ERROR_STATUS: Record<AlarmErrorCode, number> = {
  invalid_rule: 422, rule_not_found: 404, rule_exists: 409, alarm_not_found: 404, invalid_transition: 409, invalid_request: 400,
};

export class AlarmError extends Error {
  readonly code: AlarmErrorCode;
  readonly details: FieldProblem[];
  constructor(code: AlarmErrorCode, message: string, details: FieldProblem[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: AlarmErrorCode; message: string; details: FieldProblem[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const DEFAULT_OFFLINE_AFTER_S = 15 * 60;
const MAX_DELAY_S = 7 * 86_400;
const POINT_KEY = /^[a-z][a-z0-9_]{0,79}$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const COMMON = ['id', 'name', 'kind', 'enabled', 'devices', 'priority', 'onDelayS', 'offDelayS', 'reAlarmS', 'schedule', 'receivers', 'notifyDelayS', 'notifyOnReturn'];
const BY_KIND: Record<RuleKind, string[]> = { threshold: ['point', 'condition', 'deadband'], controller: ['numbers'], offline: ['afterS'] };
const READ_ONLY = ['createdAt', 'updatedAt'];

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function seconds(value: unknown, field: string, fallback: number, problems: FieldProblem[], max = MAX_DELAY_S): number {
  if (value === undefined) return fallback;
  if (!isNumber(value) || value < 0 || value > max) {
    problems.push({ field, message: `seconds, 0..${max}` });
    return fallback;
  }
  return value;
}

function condition(value: unknown, problems: FieldProblem[]): ThresholdCondition | null {
  if (!isObject(value)) {
    problems.push({ field: 'condition', message: 'required: {type: "high"|"low"|"rate", limit} or {type: "band", low, high}' });
    return null;
  }
  switch (value.type) {
    case 'high':
    case 'low':
    case 'rate':
      if (!isNumber(value.limit)) problems.push({ field: 'condition.limit', message: 'a number' });
      else if (value.type === 'rate' && value.limit <= 0) problems.push({ field: 'condition.limit', message: 'a positive change per minute' });
      else return { type: value.type, limit: value.limit };
      return null;
    case 'band':
      if (!isNumber(value.low)) problems.push({ field: 'condition.low', message: 'a number' });
      if (!isNumber(value.high)) problems.push({ field: 'condition.high', message: 'a number' });
      if (isNumber(value.low) && isNumber(value.high)) {
        if (value.low >= value.high) problems.push({ field: 'condition', message: 'low must be below high' });
        else return { type: 'band', low: value.low, high: value.high };
      }
      return null;
    default:
      problems.push({ field: 'condition.type', message: 'one of high, low, band, rate' });
      return null;
  }
}

function schedule(value: unknown, problems: FieldProblem[]): Schedule | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    problems.push({ field: 'schedule', message: '{days: [1..7], from: "HH:MM", to: "HH:MM"} or null' });
    return null;
  }
  const days = value.days;
  let ok = true;
  if (!Array.isArray(days) || days.length === 0 || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    problems.push({ field: 'schedule.days', message: 'ISO weekdays 1 (Monday) .. 7 (Sunday), at least one' });
    ok = false;
  }
  for (const key of ['from', 'to'] as const) {
    if (typeof value[key] !== 'string' || !HHMM.test(value[key] as string)) {
      problems.push({ field: `schedule.${key}`, message: 'local time HH:MM' });
      ok = false;
    }
  }
  return ok ? { days: [...new Set(days as number[])].sort(), from: value.from as string, to: value.to as string } : null;
}

function receivers(value: unknown, problems: FieldProblem[]): Receiver[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ field: 'receivers', message: 'a list of {email, language}' });
    return [];
  }
  const out: Receiver[] = [];
  value.forEach((r, i) => {
    const email = isObject(r) ? r.email : r;
    const language = isObject(r) && r.language !== undefined ? r.language : 'en';
    if (typeof email !== 'string' || !EMAIL.test(email.trim())) problems.push({ field: `receivers[${i}].email`, message: 'an e-mail address' });
    else if (!LANGUAGES.includes(language as Language)) problems.push({ field: `receivers[${i}].language`, message: `one of ${LANGUAGES.join(', ')}` });
    else out.push({ email: email.trim().toLowerCase(), language: language as Language });
  });
  return out;
}

/**
 * Builds a complete rule from input (create: base null; update: the stored rule, patched field by field).
 * Throws AlarmError('invalid_rule') naming every problem.
 */
export function buildRule(input: unknown, base: AlarmRule | null, now: number, idTaken: (id: string) => boolean = () => false): AlarmRule {
  if (!isObject(input)) throw new AlarmError('invalid_rule', 'invalid alarm rule', [{ field: '', message: 'a rule must be an object' }]);
  const problems: FieldProblem[] = [];
  const merged: Loose = { ...(base as unknown as Loose | null), ...input };
  const kind = merged.kind as RuleKind;
  if (!RULE_KINDS.includes(kind)) {
    problems.push({ field: 'kind', message: `one of ${RULE_KINDS.join(', ')}` });
    throw new AlarmError('invalid_rule', 'invalid alarm rule', problems);
  }
  if (base && input.kind !== undefined && input.kind !== base.kind) problems.push({ field: 'kind', message: 'cannot be changed' });
  if (base && input.id !== undefined && input.id !== base.id) problems.push({ field: 'id', message: 'cannot be changed' });
  for (const key of Object.keys(input)) {
    if (!COMMON.includes(key) && !BY_KIND[kind].includes(key) && !READ_ONLY.includes(key)) problems.push({ field: key, message: `unknown field for a ${kind} rule` });
  }
  const name = typeof merged.name === 'string' ? merged.name.trim() : '';
  if (!name || name.length > 120) problems.push({ field: 'name', message: 'required, at most 120 characters' });
  let id = merged.id;
  if (id === undefined) {
    const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 58) || kind;
    id = slug;
    for (let n = 2; idTaken(id as string); n++) id = `${slug}-${n}`;
  }
  if (typeof id !== 'string' || !DEVICE_ID.test(id)) problems.push({ field: 'id', message: '1..64 characters a-z 0-9 -' });
  let devices = merged.devices ?? { all: true };
  try {
    devices = parseSelection(devices);
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    problems.push(...(err.details.length ? err.details.map((d) => ({ field: d.field ? `devices.${d.field}` : 'devices', message: d.message })) : [{ field: 'devices', message: err.message }]));
  }
  const priority = (merged.priority ?? 'medium') as Priority;
  if (!PRIORITIES.includes(priority)) problems.push({ field: 'priority', message: `one of ${PRIORITIES.join(', ')}` });
  const enabled = merged.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push({ field: 'enabled', message: 'true or false' });
  const notifyOnReturn = merged.notifyOnReturn ?? false;
  if (typeof notifyOnReturn !== 'boolean') problems.push({ field: 'notifyOnReturn', message: 'true or false' });

  const common = {
    id: id as string,
    name,
    enabled: enabled as boolean,
    devices: devices as AlarmRule['devices'],
    priority,
    onDelayS: seconds(merged.onDelayS, 'onDelayS', 0, problems),
    offDelayS: seconds(merged.offDelayS, 'offDelayS', 0, problems),
    reAlarmS: seconds(merged.reAlarmS, 'reAlarmS', 0, problems, 30 * 86_400),
    schedule: schedule(merged.schedule, problems),
    receivers: receivers(merged.receivers, problems),
    notifyDelayS: seconds(merged.notifyDelayS, 'notifyDelayS', 0, problems),
    notifyOnReturn: notifyOnReturn as boolean,
    createdAt: base?.createdAt ?? now,
    updatedAt: now,
  };
  let rule: AlarmRule | null = null;
  if (kind === 'threshold') {
    const point = merged.point;
    if (typeof point !== 'string' || !POINT_KEY.test(point)) problems.push({ field: 'point', message: 'a point key such as supply_temp_c' });
    const cond = condition(merged.condition, problems);
    const deadband = merged.deadband ?? 0;
    if (!isNumber(deadband) || deadband < 0) problems.push({ field: 'deadband', message: 'a number ≥ 0 in the point\'s unit' });
    else if (cond?.type === 'band' && deadband * 2 >= cond.high - cond.low) problems.push({ field: 'deadband', message: 'must be less than half the band' });
    if (cond) rule = { ...common, kind, point: point as string, condition: cond, deadband: deadband as number };
  } else if (kind === 'controller') {
    const numbers = merged.numbers ?? [];
    if (!Array.isArray(numbers) || !numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= 32)) problems.push({ field: 'numbers', message: 'alarm numbers 1..32 (empty = all)' });
    else rule = { ...common, kind, numbers: [...new Set(numbers as number[])].sort((a, b) => a - b) };
  } else {
    const afterS = seconds(merged.afterS, 'afterS', DEFAULT_OFFLINE_AFTER_S, problems);
    if (afterS < 10) problems.push({ field: 'afterS', message: 'at least 10 seconds' });
    rule = { ...common, kind, afterS };
  }
  if (problems.length || !rule) throw new AlarmError('invalid_rule', `invalid alarm rule: ${problems.map((p) => `${p.field || 'rule'}: ${p.message}`).join('; ')}`, problems);
  return rule;
}
