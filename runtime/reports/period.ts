// Report periods → [from, to) instants in the utility's time zone. Calendar boundaries are local midnights,
// so a month that contains a DST change is 743 or 745 hours long, as the utility's billing expects.
import { localMidnight } from '../historian/buckets.ts';
import type { ReportPeriod } from './types.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();
function localDay(ts: number, timeZone: string): { year: number; month: number; day: number; weekday: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(ts)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  const weekday = ((new Date(Date.UTC(out.year!, out.month! - 1, out.day!)).getUTCDay() + 6) % 7) + 1; // ISO, 1 = Monday
  return { year: out.year!, month: out.month!, day: out.day!, weekday };
}

export interface ResolvedPeriod {
  from: number;
  to: number;
}

/** Parses an ISO 8601 date or date-time; a bare date (2026-03-01) means local midnight in the zone. */
export function parseReportTime(text: string, timeZone: string): number | null {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) return localMidnight(Number(date[1]), Number(date[2]), Number(date[3]), timeZone);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

export function resolvePeriod(period: ReportPeriod, reference: number, timeZone: string): ResolvedPeriod {
  const { year: y, month: m, day: d, weekday } = localDay(reference, timeZone);
  const mid = (yy: number, mm: number, dd: number) => localMidnight(yy, mm, dd, timeZone);
  if ('rollingDays' in period) return { from: mid(y, m, d - period.rollingDays), to: mid(y, m, d) };
  if ('from' in period) {
    const from = parseReportTime(period.from, timeZone);
    const to = parseReportTime(period.to, timeZone);
    if (from === null || to === null) throw new RangeError('custom period: from and to must be ISO 8601 dates or date-times with offset');
    return { from, to };
  }
  const q = Math.floor((m - 1) / 3) * 3 + 1; // first month of the quarter
  switch (period.preset) {
    case 'today': return { from: mid(y, m, d), to: reference };
    case 'yesterday': return { from: mid(y, m, d - 1), to: mid(y, m, d) };
    case 'this-week': return { from: mid(y, m, d - weekday + 1), to: reference };
    case 'last-week': return { from: mid(y, m, d - weekday - 6), to: mid(y, m, d - weekday + 1) };
    case 'this-month': return { from: mid(y, m, 1), to: reference };
    case 'last-month': return { from: mid(y, m - 1, 1), to: mid(y, m, 1) };
    case 'this-quarter': return { from: mid(y, q, 1), to: reference };
    case 'last-quarter': return { from: mid(y, q - 3, 1), to: mid(y, q, 1) };
    case 'this-year': return { from: mid(y, 1, 1), to: reference };
    case 'last-year': return { from: mid(y - 1, 1, 1), to: mid(y, 1, 1) };
  }
}
