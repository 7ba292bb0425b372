// Report benchmark: a month report over many devices, measuring time and peak memory growth while it is
// generated (the streaming claim: per-device batches from the historian, rows written as they come).
// Data: one sample per point every STEP minutes for a month before the report's period ends (default 15,
// i.e. the stored 15-minute readings), three points per device, written into a fresh embedded historian.
// Run: node --expose-gc --disable-warning=ExperimentalWarning bench/reports.ts [devices=1000] [stepMinutes=15] [interval=1d] [formats=csv,xlsx,pdf,html]
// Prints one JSON line with the figures last (the report memory test reads it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { createHistorian } from '../runtime/historian/create-historian.ts';
import { createLogger } from '../runtime/log.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { SmartGroupService } from '../runtime/devices/smart-groups.ts';
import { SelectionResolver } from '../runtime/devices/selection.ts';
import { ReportService } from '../runtime/reports/report-service.ts';
import { localMidnight } from '../runtime/historian/buckets.ts';
import type { Sample } from '../runtime/readings.ts';

const devices = Number(process.argv[2] ?? 1000);
const stepMinutes = Number(process.argv[3] ?? 15);
const interval = process.argv[4] ?? '1d';
const formats = (process.argv[5] ?? 'csv,xlsx,pdf,html').split(',');
const TZ = 'Europe/Copenhagen';
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const dir = mkdtempSync(join(tmpdir(), 'heatgrid-bench-reports-'));
const store = new ConfigStore(dir);
const historian = await createHistorian({ questdbUrl: null, dataDir: dir, logLevel: 'error' }, createLogger('bench', 'error'));
const registry = new DeviceRegistry(store, { templateExists: () => true });
const groups = new SmartGroupService(store, registry);
const ids = Array.from({ length: devices }, (_, i) => `sub-${String(i).padStart(5, '0')}`);
registry.createMany(ids.map((id, i) => ({ id, name: `Substation ${i}`, connection: { kind: 'modbus-tcp' as const, host: '10.0.0.1', port: 502, unitId: 1 + (i % 200) } })));

const from = localMidnight(2026, 3, 1, TZ);
const to = localMidnight(2026, 4, 1, TZ);
const stepMs = stepMinutes * 60_000;
let written = 0;
const t0 = performance.now();
for (let k = 0; k < devices; k++) {
  const batch: Sample[] = [];
  for (let ts = from - stepMs, i = 0; ts < to; ts += stepMs, i++) {
    batch.push(
      { device: ids[k]!, point: 'supply_temp_c', ts, value: 70 + 5 * Math.sin(i / 17 + k), quality: 'good' },
      { device: ids[k]!, point: 'return_temp_c', ts, value: 40 + 3 * Math.cos(i / 23 + k), quality: 'good' },
      { device: ids[k]!, point: 'heat_energy_kwh', ts, value: 1000 + i * 2.5 * (stepMinutes / 15), quality: 'good' },
    );
  }
  historian.writeSamples(batch);
  written += batch.length;
  if (k % 20 === 19) await historian.flush();
}
await historian.flush();
const writeS = (performance.now() - t0) / 1000;

const reports = new ReportService({
  store, historian, selections: new SelectionResolver({ registry, groups }), timeZone: TZ, dataDir: dir, smtp: null, tickMs: 0,
  clock: { now: () => Date.parse('2026-04-01T06:00:00+02:00') },
});
reports.start();
reports.create({
  id: 'bench', title: 'Bench month', period: { preset: 'last-month' }, devices: { all: true }, interval, formats,
  points: [{ key: 'heat_energy_kwh', aggregation: 'consumption' }, { key: 'supply_temp_c', aggregation: 'avg' }, { key: 'return_temp_c', aggregation: 'avg' }],
});

gc();
await new Promise((r) => setTimeout(r, 100));
gc();
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeap = baseline.heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 10);
const t1 = performance.now();
const run = await reports.waitFor(reports.runNow('bench').id);
const generateS = (performance.now() - t1) / 1000;
clearInterval(sampler);
if (run.status !== 'succeeded') throw new Error(`report failed: ${run.error}`);

const result = {
  devices, stepMinutes, interval, formats, samples: written, writeS: +writeS.toFixed(1), generateS: +generateS.toFixed(1),
  devicesPerS: Math.round(devices / generateS),
  baselineRssMB: Math.round(baseline.rss / MB), peakRssGrowthMB: Math.round((peakRss - baseline.rss) / MB), peakHeapGrowthMB: Math.round((peakHeap - baseline.heapUsed) / MB),
  files: Object.fromEntries(run.files.map((f) => [f.format, `${(f.bytes / MB).toFixed(1)} MB`])),
};
await reports.close();
await historian.close();
store.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
