// Rolling 15-minute readings up into the buckets a query asks for. The 15-minute row keeps count, sum,
// min, max and the last value with its time, so every aggregate stays exact (avg is weighted by count).
import type { Aggregate } from './historian.ts';

export interface QuarterRow {
  ts: number;
  n: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  lastTs: number | null;
}

interface Acc { n: number; sum: number; min: number; max: number; last: number | null; lastTs: number }

/** rows sorted by ts; returns one value per bucket start, null for a bucket without values. */
export function aggregateQuarters(rows: readonly QuarterRow[], starts: readonly number[], end: number, agg: Aggregate): Array<number | null> {
  const out: Array<number | null> = new Array(starts.length).fill(null);
  let b = 0;
  let acc: Acc | null = null;
  const emit = () => {
    if (!acc || acc.n === 0) return;
    out[b] = agg === 'avg' ? acc.sum / acc.n : agg === 'min' ? acc.min : agg === 'max' ? acc.max : acc.last;
  };
  for (const r of rows) {
    if (r.ts >= end || r.n === 0) continue;
    if (r.ts < starts[0]!) continue;
    while (b + 1 < starts.length && r.ts >= starts[b + 1]!) {
      emit();
      acc = null;
      b++;
    }
    acc ??= { n: 0, sum: 0, min: Infinity, max: -Infinity, last: null, lastTs: -Infinity };
    acc.n += r.n;
    acc.sum += r.sum ?? 0;
    if (r.min !== null && r.min < acc.min) acc.min = r.min;
    if (r.max !== null && r.max > acc.max) acc.max = r.max;
    if (r.last !== null && (r.lastTs ?? r.ts) >= acc.lastTs) {
      acc.last = r.last;
      acc.lastTs = r.lastTs ?? r.ts;
    }
  }
  emit();
  return out;
}

/** Places (ts, value) rows computed elsewhere (e.g. by the database) on the bucket grid; absent = null. */
export function onGrid(starts: readonly number[], rows: ReadonlyArray<{ ts: number; value: number | null }>): Array<{ ts: number; value: number | null }> {
  const byTs = new Map<number, number | null>();
  for (const r of rows) byTs.set(r.ts, r.value);
  return starts.map((ts) => ({ ts, value: byTs.get(ts) ?? null }));
}
