// The rows of a report, device by device: the historian is asked for a batch of devices at a time and each
// device's table is handed to the writers before the next batch is fetched, so a 1,000-device report holds
// one batch in memory, never the whole report.
import type { Device } from '../devices/device.ts';
import type { Aggregate, Historian } from '../historian/historian.ts';
import { bucketStarts } from '../historian/buckets.ts';
import type { ReportDefinition } from './types.ts';

export interface DeviceTable {
  device: { id: string; name: string };
  /** Bucket starts (epoch ms), the same for every device of a run. */
  times: readonly number[];
  /** One column per definition point, in definition order; null = no data in that bucket. */
  columns: Array<Array<number | null>>;
}

export const DEVICE_BATCH = 25;

export function reportTimes(def: Pick<ReportDefinition, 'interval'>, from: number, to: number, timeZone: string): number[] {
  return bucketStarts(from, to, def.interval, timeZone, 200_000);
}

/** Yields one table per device, in the order of `devices`, fetching `batch` devices per historian call. */
export async function* deviceTables(
  historian: Historian, def: ReportDefinition, devices: readonly Pick<Device, 'id' | 'name'>[], from: number, to: number, timeZone: string, batch = DEVICE_BATCH,
): AsyncGenerator<DeviceTable> {
  const times = reportTimes(def, from, to, timeZone);
  const index = new Map(times.map((t, i) => [t, i]));
  for (let start = 0; start < devices.length; start += batch) {
    const slice = devices.slice(start, start + batch);
    const ids = slice.map((d) => d.id);
    const tables = new Map(slice.map((d) => [d.id, { device: { id: d.id, name: d.name }, times, columns: def.points.map(() => new Array<number | null>(times.length).fill(null)) }]));
    const place = (device: string, column: number, ts: number, value: number | null) => {
      const i = index.get(ts);
      const table = tables.get(device);
      if (i !== undefined && table) table.columns[column]![i] = value;
    };
    // One historian call per aggregation (points sharing it go together), one for all counters.
    const byAgg = new Map<string, string[]>();
    def.points.forEach((p) => {
      const list = byAgg.get(p.aggregation) ?? [];
      if (!list.includes(p.key)) list.push(p.key);
      byAgg.set(p.aggregation, list);
    });
    for (const [agg, keys] of byAgg) {
      const columnsOf = (key: string) => def.points.flatMap((p, i) => (p.key === key && p.aggregation === agg ? [i] : []));
      if (agg === 'consumption') {
        const results = await historian.consumption({ devices: ids, points: keys, from, to, interval: def.interval, timeZone });
        for (const r of results) for (const c of columnsOf(r.point)) for (const b of r.buckets) place(r.device, c, b.ts, b.value);
      } else {
        const results = await historian.queryRange({ devices: ids, points: keys, from, to, interval: def.interval, agg: agg as Aggregate, timeZone });
        for (const r of results) for (const c of columnsOf(r.point)) for (const row of r.rows) place(r.device, c, row.ts, row.value);
      }
    }
    for (const d of slice) yield tables.get(d.id)!;
  }
}
