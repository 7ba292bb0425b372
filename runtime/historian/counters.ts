// Consumption from monotonic counters (energy kWh, volume m³). A counter that drops was reset or replaced:
// the increase after the drop is counted from zero, and the drop itself is never a negative consumption.
import { bucketIndex } from './buckets.ts';

export interface CounterReading { ts: number; value: number }

export interface CounterConsumption {
  total: number;
  resets: number;
  /** Per bucket start in `starts`; null where no reading fell into the bucket and nothing was consumed. */
  perBucket: Array<number | null>;
}

/**
 * `readings` sorted by ts; it may start before starts[0] (the baseline reading before the period).
 * The increase between two consecutive readings is attributed to the bucket of the later one.
 */
export function counterConsumption(readings: readonly CounterReading[], starts: readonly number[], end: number): CounterConsumption {
  const perBucket: Array<number | null> = starts.map(() => null);
  let total = 0;
  let resets = 0;
  let prev: number | null = null;
  for (const r of readings) {
    if (!Number.isFinite(r.value)) continue;
    if (r.ts >= end) break;
    const i = bucketIndex(starts, r.ts);
    if (prev !== null && i >= 0) {
      let delta = r.value - prev;
      if (delta < 0) {
        resets++;
        delta = Math.max(r.value, 0);
      }
      perBucket[i] = (perBucket[i] ?? 0) + delta;
      total += delta;
    } else if (i >= 0 && perBucket[i] === null) {
      perBucket[i] = 0;
    }
    prev = r.value;
  }
  return { total, resets, perBucket };
}
