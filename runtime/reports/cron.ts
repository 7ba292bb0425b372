// Cron expressions for report schedules, evaluated on the utility's wall clock (IANA zone via Intl).
// Five fields: minute hour day-of-month month day-of-week, with * , - / and month/weekday names, or one of
// @yearly @monthly @weekly @daily @hourly. Day-of-month and day-of-week restricted together match either
// (as in Vixie cron). Daylight-saving rules, as people expect from cron:
//  - a wall time that does not exist (spring forward) runs at the first instant after the gap;
//  - a wall time that happens twice (fall back) runs once, at its first occurrence — unless the hour field
//    is "*", where both hours are real hours to cover (an hourly report runs for each of them).
// Written here rather than taken from npm: ~150 lines, and the DST rules above are the part that matters.
import { localMidnight, offsetMs } from '../historian/buckets.ts';

export interface CronExpression {
  source: string;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  domRestricted: boolean;
  dowRestricted: boolean;
  hourWildcard: boolean;
}

export class CronError extends Error {}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 1',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function field(text: string, name: string, min: number, max: number, names: string[] = [], nameBase = min): Set<number> {
  const out = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toLowerCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(token)) throw new CronError(`${name}: "${token}" is not a number`);
    const n = Number(token);
    if (n < min || n > max) throw new CronError(`${name}: ${n} is outside ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '' || part.split('/').length > 2) throw new CronError(`${name}: "${part}" is malformed`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`${name}: step "${stepText}" must be a whole number ≥ 1`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a ?? '');
      hi = value(b ?? '');
      if (lo > hi) throw new CronError(`${name}: range ${range} runs backwards`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(source: string): CronExpression {
  const text = MACROS[source.trim().toLowerCase()] ?? source.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const [m, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const weekdays = field(dow, 'day-of-week', 0, 7, WEEKDAYS, 0);
  if (weekdays.has(7)) weekdays.add(0); // 7 is Sunday too
  return {
    source,
    minutes: field(m, 'minute', 0, 59),
    hours: field(h, 'hour', 0, 23),
    days: field(dom, 'day-of-month', 1, 31),
    months: field(mon, 'month', 1, 12, MONTHS, 1),
    weekdays,
    domRestricted: dom !== '*',
    dowRestricted: dow !== '*',
    hourWildcard: h === '*',
  };
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();
function localDate(ts: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    dateFormatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(ts)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as { year: number; month: number; day: number; hour: number; minute: number };
}

/**
 * The instants at which the local wall time y-m-d h:min happens, in order: one normally, two in a fall-back
 * hour, none in a spring-forward gap (then `gapEnd` is the first instant after the gap).
 */
export function wallTimeInstants(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): { instants: number[]; gapEnd: number | null } {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const offsets = new Set([offsetMs(wall - 86_400_000 / 2, timeZone), offsetMs(wall, timeZone), offsetMs(wall + 86_400_000 / 2, timeZone)]);
  const instants = [...offsets].map((o) => wall - o).filter((t) => offsetMs(t, timeZone) === wall - t).sort((a, b) => a - b);
  if (instants.length) return { instants: [...new Set(instants)], gapEnd: null };
  // In a gap: binary-search the transition between the candidates (offsets differ by at most a few hours).
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
    if (mid + offsetMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return { instants: [], gapEnd: hi };
}

function dayMatches(cron: CronExpression, year: number, month: number, day: number): boolean {
  if (!cron.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const domOk = cron.days.has(day);
  const dowOk = cron.weekdays.has(weekday);
  if (cron.domRestricted && cron.dowRestricted) return domOk || dowOk;
  if (cron.domRestricted) return domOk;
  if (cron.dowRestricted) return dowOk;
  return true;
}

/** The first due instant strictly after `after`, or null when none within `horizonDays` (e.g. 30 February). */
export function nextRun(cron: CronExpression, after: number, timeZone: string, horizonDays = 366 * 8): number | null {
  const start = localDate(after, timeZone);
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let i = 0; i <= horizonDays; i++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const [y, mo, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (!dayMatches(cron, y, mo, d)) continue;
    // Skip days that ended before `after` cheaply (only the first day can).
    if (i === 0 && localMidnight(y, mo, d + 1, timeZone) <= after) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const { instants, gapEnd } = wallTimeInstants(y, mo, d, h, m, timeZone);
        const candidates = instants.length ? (cron.hourWildcard ? instants : instants.slice(0, 1)) : [gapEnd!];
        for (const t of candidates) if (t > after) return t;
      }
    }
  }
  return null;
}

/** Due instants in (after, until], oldest first, at most `limit` (the newest ones when more were due). */
export function runsBetween(cron: CronExpression, after: number, until: number, timeZone: string, limit = 100): number[] {
  const out: number[] = [];
  for (let t = nextRun(cron, after, timeZone); t !== null && t <= until; t = nextRun(cron, t, timeZone)) {
    out.push(t);
    if (out.length > limit) out.shift();
  }
  return out;
}
