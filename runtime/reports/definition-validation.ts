// Turns loose input (API body, node config, msg.payload) into a ReportDefinition, listing every problem at
// once as {code, message, details: [{field, message}]}, the API's error shape.
import { randomUUID } from 'node:crypto';
import { parseSelection, SelectionError } from '../devices/selection.ts';
import { DEVICE_ID, type FieldProblem } from '../devices/validation.ts';
import { CronError, parseCron } from './cron.ts';
import { parseReportTime } from './period.ts';
import {
  PERIOD_PRESETS, REPORT_AGGREGATIONS, REPORT_FORMATS, REPORT_INTERVALS, REPORT_LANGUAGES, REPORT_LAYOUTS,
  type ReportDefinition, type ReportPeriod,
} from './types.ts';

export type ReportErrorCode = 'invalid_report' | 'report_not_found' | 'report_exists' | 'run_not_found' | 'file_not_found' | 'report_too_large';

export class ReportError extends Error {
  readonly code: ReportErrorCode;
  readonly details: FieldProblem[];
  constructor(code: ReportErrorCode, message: string, details: FieldProblem[] = []) {
    super(details.length ? `${message}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}` : message);
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: ReportErrorCode; message: string; details: FieldProblem[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const LIMITS = { title: 200, points: 50, receivers: 50, rollingDays: 3660, retentionDays: 3650, customDays: 3660 } as const;
const POINT_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function period(input: unknown, timeZone: string, problems: FieldProblem[]): ReportPeriod {
  const bad = (message: string): ReportPeriod => (problems.push({ field: 'period', message }), { preset: 'last-month' });
  const shapes = `{"preset": ${PERIOD_PRESETS.join('|')}}, {"rollingDays": N} or {"from": ISO, "to": ISO}`;
  if (typeof input === 'string') input = { preset: input };
  if (!isRecord(input)) return bad(`a period is ${shapes}`);
  if ('preset' in input) {
    if (!(PERIOD_PRESETS as readonly unknown[]).includes(input.preset)) return bad(`unknown preset ${JSON.stringify(input.preset)}; one of ${PERIOD_PRESETS.join(', ')}`);
    return { preset: input.preset as (typeof PERIOD_PRESETS)[number] };
  }
  if ('rollingDays' in input) {
    const n = input.rollingDays;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > LIMITS.rollingDays) return bad(`rollingDays must be a whole number 1..${LIMITS.rollingDays}`);
    return { rollingDays: n };
  }
  if ('from' in input || 'to' in input) {
    const from = typeof input.from === 'string' ? parseReportTime(input.from, timeZone) : null;
    const to = typeof input.to === 'string' ? parseReportTime(input.to, timeZone) : null;
    if (from === null) problems.push({ field: 'period.from', message: 'an ISO 8601 date (2026-03-01) or date-time with offset' });
    if (to === null) problems.push({ field: 'period.to', message: 'an ISO 8601 date (2026-04-01) or date-time with offset' });
    if (from !== null && to !== null) {
      if (to <= from) problems.push({ field: 'period.to', message: 'must be after from' });
      else if (to - from > LIMITS.customDays * 86_400_000) problems.push({ field: 'period', message: `at most ${LIMITS.customDays} days` });
    }
    return { from: String(input.from), to: String(input.to) };
  }
  return bad(`a period is ${shapes}`);
}

export interface ValidateOptions {
  timeZone: string;
  now: number;
  /** The stored definition when updating (keeps id and createdAt). */
  existing?: ReportDefinition;
}

/** Checks a whole definition; throws ReportError('invalid_report') naming every bad field. */
export function validateDefinition(input: unknown, options: ValidateOptions): ReportDefinition {
  const problems: FieldProblem[] = [];
  if (!isRecord(input)) throw new ReportError('invalid_report', 'a report definition is a JSON object', [{ field: '', message: 'expected an object' }]);
  const known = new Set(['id', 'title', 'description', 'period', 'devices', 'points', 'interval', 'layout', 'language', 'formats', 'csv', 'schedule', 'delivery', 'createdAt', 'updatedAt']);
  for (const key of Object.keys(input)) if (!known.has(key)) problems.push({ field: key, message: 'unknown field' });

  let id = options.existing?.id ?? randomUUID();
  if (!options.existing && input.id !== undefined) {
    if (typeof input.id !== 'string' || !DEVICE_ID.test(input.id)) problems.push({ field: 'id', message: 'a slug of a-z, 0-9 and -, at most 64 characters' });
    else id = input.id;
  }
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (!title || title.length > LIMITS.title) problems.push({ field: 'title', message: `required, at most ${LIMITS.title} characters` });
  const description = typeof input.description === 'string' ? input.description : '';

  const resolvedPeriod = period(input.period, options.timeZone, problems);

  let devices: ReportDefinition['devices'] = { all: true };
  try {
    devices = parseSelection(input.devices);
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    for (const d of err.details.length ? err.details : [{ field: '', message: err.message }]) problems.push({ field: d.field ? `devices.${d.field}` : 'devices', message: d.message });
  }

  const points: ReportDefinition['points'] = [];
  if (!Array.isArray(input.points) || input.points.length === 0 || input.points.length > LIMITS.points) {
    problems.push({ field: 'points', message: `a list of 1..${LIMITS.points} points` });
  } else {
    const seen = new Set<string>();
    input.points.forEach((raw, i) => {
      const p = typeof raw === 'string' ? { key: raw, aggregation: 'avg' } : raw;
      if (!isRecord(p)) return void problems.push({ field: `points[${i}]`, message: 'a point is {"key": "supply_temp_c", "aggregation": "avg"}' });
      const key = typeof p.key === 'string' ? p.key : '';
      if (!POINT_KEY.test(key)) problems.push({ field: `points[${i}].key`, message: 'a point key such as supply_temp_c' });
      const aggregation = p.aggregation ?? 'avg';
      if (!(REPORT_AGGREGATIONS as readonly unknown[]).includes(aggregation)) problems.push({ field: `points[${i}].aggregation`, message: `one of ${REPORT_AGGREGATIONS.join(', ')}` });
      const decimals = p.decimals ?? 2;
      if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 6) problems.push({ field: `points[${i}].decimals`, message: 'a whole number 0..6' });
      if (p.label !== undefined && (typeof p.label !== 'string' || p.label.length > 80)) problems.push({ field: `points[${i}].label`, message: 'text of at most 80 characters' });
      const k = `${key}/${String(aggregation)}`;
      if (seen.has(k)) problems.push({ field: `points[${i}]`, message: `${key} with ${String(aggregation)} is listed twice` });
      seen.add(k);
      points.push({ key, aggregation: aggregation as ReportDefinition['points'][number]['aggregation'], decimals: decimals as number, label: typeof p.label === 'string' && p.label ? p.label : `${key} (${String(aggregation)})` });
    });
  }

  const interval = input.interval ?? '1d';
  if (!(REPORT_INTERVALS as readonly unknown[]).includes(interval)) problems.push({ field: 'interval', message: `one of ${REPORT_INTERVALS.join(', ')}` });
  const layout = input.layout ?? 'sheet-per-device';
  if (!(REPORT_LAYOUTS as readonly unknown[]).includes(layout)) problems.push({ field: 'layout', message: `one of ${REPORT_LAYOUTS.join(', ')}` });
  const language = input.language ?? 'en';
  if (!(REPORT_LANGUAGES as readonly unknown[]).includes(language)) problems.push({ field: 'language', message: `one of ${REPORT_LANGUAGES.join(', ')}` });
  const formats = Array.isArray(input.formats) ? [...new Set(input.formats)] : [];
  if (!formats.length || formats.some((f) => !(REPORT_FORMATS as readonly unknown[]).includes(f))) problems.push({ field: 'formats', message: `a non-empty list of ${REPORT_FORMATS.join(', ')}` });

  const csv: ReportDefinition['csv'] = {};
  if (input.csv !== undefined) {
    if (!isRecord(input.csv)) problems.push({ field: 'csv', message: 'an object {bom, numberLocale, delimiter}' });
    else {
      if (input.csv.bom !== undefined) {
        if (typeof input.csv.bom !== 'boolean') problems.push({ field: 'csv.bom', message: 'true or false' });
        else csv.bom = input.csv.bom;
      }
      if (input.csv.numberLocale !== undefined) {
        try {
          if (typeof input.csv.numberLocale !== 'string') throw new RangeError();
          csv.numberLocale = Intl.NumberFormat.supportedLocalesOf([input.csv.numberLocale])[0] ?? (() => { throw new RangeError(); })();
        } catch {
          problems.push({ field: 'csv.numberLocale', message: 'a BCP 47 locale such as de-DE' });
        }
      }
      if (input.csv.delimiter !== undefined) {
        if (![',', ';', '\t'].includes(input.csv.delimiter as string)) problems.push({ field: 'csv.delimiter', message: 'one of "," ";" "\\t"' });
        else csv.delimiter = input.csv.delimiter as ',' | ';' | '\t';
      }
    }
  }

  let schedule: ReportDefinition['schedule'] = null;
  if (input.schedule !== undefined && input.schedule !== null) {
    const s = typeof input.schedule === 'string' ? { cron: input.schedule } : input.schedule;
    if (!isRecord(s) || typeof s.cron !== 'string') problems.push({ field: 'schedule', message: 'a schedule is {"cron": "0 6 1 * *", "enabled": true}' });
    else {
      try {
        parseCron(s.cron);
        schedule = { cron: s.cron.trim(), enabled: s.enabled !== false };
      } catch (err) {
        if (!(err instanceof CronError)) throw err;
        problems.push({ field: 'schedule.cron', message: err.message });
      }
    }
  }

  const delivery: ReportDefinition['delivery'] = { email: null, store: { retentionDays: 30 } };
  if (input.delivery !== undefined) {
    const d = input.delivery;
    if (!isRecord(d)) problems.push({ field: 'delivery', message: 'an object {email: {to: [...]}, store: {retentionDays}}' });
    else {
      if (d.email !== undefined && d.email !== null) {
        const e = d.email;
        const to = isRecord(e) && Array.isArray(e.to) ? e.to : null;
        if (!to || to.length > LIMITS.receivers) problems.push({ field: 'delivery.email.to', message: `a list of at most ${LIMITS.receivers} e-mail addresses` });
        else {
          to.forEach((a, i) => { if (typeof a !== 'string' || !EMAIL.test(a.trim())) problems.push({ field: `delivery.email.to[${i}]`, message: `not an e-mail address: ${JSON.stringify(a)}` }); });
          const subject = isRecord(e) && typeof e.subject === 'string' && e.subject.trim() ? e.subject.trim().slice(0, 200) : undefined;
          if (to.length) delivery.email = { to: [...new Set((to as string[]).map((a) => a.trim()))], ...(subject ? { subject } : {}) };
        }
      }
      if (d.store === false || d.store === null) delivery.store = null;
      else if (d.store !== undefined) {
        const r = isRecord(d.store) ? (d.store.retentionDays ?? 30) : undefined;
        if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > LIMITS.retentionDays) problems.push({ field: 'delivery.store.retentionDays', message: `a whole number of days 1..${LIMITS.retentionDays}` });
        else delivery.store = { retentionDays: r };
      }
    }
  }

  if (problems.length) throw new ReportError('invalid_report', 'invalid report definition', problems);
  return {
    id, title, description, period: resolvedPeriod, devices, points,
    interval: interval as ReportDefinition['interval'], layout: layout as ReportDefinition['layout'], language: language as ReportDefinition['language'],
    formats: formats as ReportDefinition['formats'], csv, schedule, delivery,
    createdAt: options.existing?.createdAt ?? options.now, updatedAt: options.now,
  };
}
