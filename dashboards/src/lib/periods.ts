// Period presets of readings tables and charts, and the interval that keeps a chart readable.

export type PeriodPreset = 'today' | '24h' | 'week' | 'month' | 'quarter' | 'year' | 'custom';
export const PERIOD_PRESETS: PeriodPreset[] = ['today', '24h', 'week', 'month', 'quarter', 'year', 'custom'];
export type Interval = 'raw' | '15m' | '1h' | '1d' | '1mo';

const DAY = 86_400_000;

/** [from, to) in epoch ms for a preset, relative to `now` (local midnight for calendar presets). */
export function periodRange(preset: Exclude<PeriodPreset, 'custom'>, now: number): { from: number; to: number } {
  const d = new Date(now);
  const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  switch (preset) {
    case 'today':
      return { from: midnight, to: now };
    case '24h':
      return { from: now - DAY, to: now };
    case 'week':
      return { from: midnight - 6 * DAY, to: now };
    case 'month':
      return { from: new Date(d.getFullYear(), d.getMonth() - 1, d.getDate()).getTime(), to: now };
    case 'quarter':
      return { from: new Date(d.getFullYear(), d.getMonth() - 3, d.getDate()).getTime(), to: now };
    case 'year':
      return { from: new Date(d.getFullYear() - 1, d.getMonth(), d.getDate()).getTime(), to: now };
  }
}

/** The coarsest interval that still gives ≥ ~100 points, within the API's limits (raw ≤ 31 days). */
export function intervalFor(spanMs: number): Interval {
  if (spanMs <= 2 * DAY) return 'raw';
  if (spanMs <= 14 * DAY) return '15m';
  if (spanMs <= 120 * DAY) return '1h';
  return '1d';
}

/** ISO 8601 with the local offset ("2026-03-01T00:00:00+01:00"), as the API asks. */
export function isoWithOffset(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}
