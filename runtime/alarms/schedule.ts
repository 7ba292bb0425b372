// Rule schedules: ISO weekdays and a local time window in the utility's time zone. Local time comes from
// Intl (the tz database), so daylight-saving changes move the window with the wall clock, as people expect.
import type { Schedule } from './types.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** ISO weekday (1 = Monday) and minutes since local midnight of `ts` in `timeZone`. */
export function localTime(ts: number, timeZone: string): { weekday: number; minutes: number } {
  let weekday = 1;
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(ts)) {
    if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 1;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minutes: hour * 60 + minute };
}

export const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function parseHhmm(text: string): number {
  const m = HHMM.exec(text);
  if (!m) throw new RangeError(`not a time HH:MM: ${text}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Whether `ts` falls in the schedule. The window [from, to) is local wall-clock time; when from > to it wraps
 * midnight and the part after midnight belongs to the day it started on. from = to means the whole day.
 */
export function inSchedule(schedule: Schedule | null, ts: number, timeZone: string): boolean {
  if (!schedule) return true;
  const { weekday, minutes } = localTime(ts, timeZone);
  const from = parseHhmm(schedule.from);
  const to = parseHhmm(schedule.to);
  if (from === to) return schedule.days.includes(weekday);
  if (from < to) return schedule.days.includes(weekday) && minutes >= from && minutes < to;
  if (minutes >= from) return schedule.days.includes(weekday);
  if (minutes < to) return schedule.days.includes(weekday === 1 ? 7 : weekday - 1);
  return false;
}
