// Calendar buckets in the utility's time zone: 15-minute and hour buckets follow the local clock (the same
// as UTC alignment for whole-hour offsets), day and month buckets start at local midnight, so a DST day
// is 23 or 25 hours long. Both backends fill gaps and align results with these boundaries.
import type { Interval } from './historian.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

function localTime(ts: number, timeZone: string): LocalTime {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ts)) if (part.type !== 'literal') out[part.type] = Number(part.value);
  return out as unknown as LocalTime;
}

/** Offset of the zone from UTC at instant ts, in ms (positive east of Greenwich). */
export function offsetMs(ts: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const t = localTime(ts, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - (ts - (((ts % 1000) + 1000) % 1000));
}

/** The instant of local midnight starting the given local calendar date (month 1-based, may overflow). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const guess = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(guess, timeZone);
}

const STEP: Partial<Record<Interval, number>> = { '15m': 15 * 60_000, '1h': 60 * 60_000 };

export function bucketStart(ts: number, interval: Exclude<Interval, 'raw'>, timeZone = 'UTC'): number {
  const step = STEP[interval];
  if (step !== undefined) {
    const local = ts + offsetMs(ts, timeZone);
    return ts - (((local % step) + step) % step);
  }
  const t = localTime(ts, timeZone);
  return interval === '1d' ? localMidnight(t.year, t.month, t.day, timeZone) : localMidnight(t.year, t.month, 1, timeZone);
}

export function nextBucket(start: number, interval: Exclude<Interval, 'raw'>, timeZone = 'UTC'): number {
  const step = STEP[interval];
  if (step !== undefined) return start + step;
  // Read the local date a few hours into the bucket so a midnight that DST moved cannot mislead us.
  const t = localTime(start + 3 * 3600_000, timeZone);
  return interval === '1d' ? localMidnight(t.year, t.month, t.day + 1, timeZone) : localMidnight(t.year, t.month + 1, 1, timeZone);
}

/** Bucket starts covering [from, to), in order. Bounded: refuses more than maxBuckets. */
export function bucketStarts(from: number, to: number, interval: Exclude<Interval, 'raw'>, timeZone = 'UTC', maxBuckets = 2_000_000): number[] {
  const out: number[] = [];
  for (let b = bucketStart(from, interval, timeZone); b < to; b = nextBucket(b, interval, timeZone)) {
    out.push(b);
    if (out.length > maxBuckets) throw new RangeError(`a ${interval} query over this range would return more than ${maxBuckets} buckets per series`);
  }
  return out;
}

/** Index of the bucket holding ts in sorted starts (last start <= ts), or -1 before the first. */
export function bucketIndex(starts: readonly number[], ts: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  if (hi < 0 || ts < starts[0]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
