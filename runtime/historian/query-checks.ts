// Queries arrive from flows and the API: check them once here, for both backends, and fill defaults.
import { AGGREGATES, INTERVALS, type Aggregate, type AuditValue, type ConsumptionQuery, type Interval, type RangeQuery } from './historian.ts';
import { isValidTimeZone } from './buckets.ts';

export class HistorianQueryError extends Error {}

function names(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '' && v.length <= 200)) {
    throw new HistorianQueryError(`${field} must be a non-empty array of names`);
  }
  return value as string[];
}

function period(from: unknown, to: unknown): { from: number; to: number } {
  if (!Number.isFinite(from) || !Number.isFinite(to) || (from as number) >= (to as number)) {
    throw new HistorianQueryError('from and to must be epoch milliseconds with from < to');
  }
  return { from: from as number, to: to as number };
}

function zone(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'UTC';
  if (typeof value !== 'string' || !isValidTimeZone(value)) throw new HistorianQueryError(`unknown time zone ${JSON.stringify(value)}`);
  return value;
}

export interface CheckedRangeQuery { devices: string[]; points: string[]; from: number; to: number; interval: Interval; agg: Aggregate; timeZone: string }

export function checkRangeQuery(q: RangeQuery): CheckedRangeQuery {
  if (!INTERVALS.includes(q?.interval)) throw new HistorianQueryError(`interval must be one of ${INTERVALS.join(', ')}`);
  const agg = q.agg ?? 'avg';
  if (!AGGREGATES.includes(agg)) throw new HistorianQueryError(`agg must be one of ${AGGREGATES.join(', ')}`);
  return { devices: names(q.devices, 'devices'), points: names(q.points, 'points'), ...period(q.from, q.to), interval: q.interval, agg, timeZone: zone(q.timeZone) };
}

export interface CheckedConsumptionQuery { devices: string[]; points: string[]; from: number; to: number; interval: Exclude<Interval, 'raw'> | null; timeZone: string }

export function checkConsumptionQuery(q: ConsumptionQuery): CheckedConsumptionQuery {
  if (q?.interval !== undefined && (q.interval as string) !== 'raw' && !INTERVALS.includes(q.interval)) {
    throw new HistorianQueryError(`interval must be one of ${INTERVALS.filter((i) => i !== 'raw').join(', ')}`);
  }
  if ((q?.interval as string) === 'raw') throw new HistorianQueryError('consumption needs a bucket interval (15m, 1h, 1d, 1mo) or none');
  return { devices: names(q.devices, 'devices'), points: names(q.points, 'points'), ...period(q.from, q.to), interval: q.interval ?? null, timeZone: zone(q.timeZone) };
}

/** Audit values keep their JSON type (a setpoint may be a number, a mode a string). */
export function auditValueToText(v: AuditValue | undefined): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

export function auditValueFromText(t: string | null): AuditValue {
  if (t === null || t === '') return null;
  try {
    return JSON.parse(t) as AuditValue;
  } catch {
    return t;
  }
}
