// Historian benchmark (not a test): ingest points/s into each backend, query latency for one device-year of
// 15-minute data (10 points) and for the latest values of 10,000 devices.
//   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/historian.ts [embedded|questdb|both]
// QuestDB: uses QUESTDB_URL when set, otherwise starts the cached jar (.ci/questdb.sh fetch) on free ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Sample } from '../runtime/readings.ts';
import type { Historian } from '../runtime/historian/historian.ts';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { QuestDbHistorian } from '../runtime/historian/questdb-historian.ts';
import { createLogger } from '../runtime/log.ts';
import { QuestDbServer, questdbSkipReason } from '../test/support/questdb.ts';

const log = createLogger('bench', 'warn');
const opts = { liveRetentionDays: 3650, flushIntervalMs: 3_600_000 };
const YEAR_START = Date.UTC(2025, 0, 1);
const NOW = Date.UTC(2026, 0, 1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function bench(name: string, h: Historian): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // 1. Ingest: fleet ticks of 2,000 devices × 40 points.
  const devices = 2000;
  const ticks = 15;
  const tickSamples = (tick: number): Sample[] => {
    const s: Sample[] = [];
    for (let d = 0; d < devices; d++) for (let p = 0; p < 40; p++) s.push({ device: `ing-${d}`, point: `p${p}`, ts: NOW + tick * 10_000, value: d + p + tick, quality: 'good' });
    return s;
  };
  // QuestDB: flush() = build + send the requests, then wait until WAL apply and view refresh made them queryable.
  const timings = (h as { timings?: { sendMs: number; visibleMs: number } }).timings;
  const split = (before: { sendMs: number; visibleMs: number } | null, points: number) => timings && before
    ? `; sending alone ${Math.round(points / ((timings.sendMs - before.sendMs) / 1000)).toLocaleString('en')} points/s, waiting until queryable ${Math.round(timings.visibleMs - before.visibleMs).toLocaleString('en')} ms in all`
    : '';
  let points = 0;
  let before = timings ? { ...timings } : null;
  const t0 = performance.now();
  for (let t = 0; t < ticks; t++) {
    const s = tickSamples(t);
    h.writeSamples(s);
    points += s.length;
    await h.flush();
  }
  const ingestS = (performance.now() - t0) / 1000;
  out.ingest = `${Math.round(points / ingestS).toLocaleString('en')} points/s (${points.toLocaleString('en')} points, ${devices} devices × 40 points × ${ticks} ticks, flush per tick${split(before, points)})`;

  // 1b. The same volume written as the runtime does (batches handed over without waiting), queryable at the end.
  let bulkPoints = 0;
  before = timings ? { ...timings } : null;
  const t1 = performance.now();
  for (let t = ticks; t < 2 * ticks; t++) {
    const s = tickSamples(t);
    h.writeSamples(s);
    bulkPoints += s.length;
  }
  await h.flush();
  out.ingestBulk = `${Math.round(bulkPoints / ((performance.now() - t1) / 1000)).toLocaleString('en')} points/s (${bulkPoints.toLocaleString('en')} points, one flush, until queryable${split(before, bulkPoints)})`;

  // 2. One device, one year of 15-minute data, 10 points.
  const year: Sample[] = [];
  for (let ts = YEAR_START; ts < YEAR_START + 365 * 86_400_000; ts += 900_000) {
    for (let p = 0; p < 10; p++) year.push({ device: 'year-dev', point: `p${p}`, ts, value: Math.sin(ts / 1e7) * 10 + p, quality: 'good' });
  }
  h.writeSamples(year);
  await h.flush();
  const pts = Array.from({ length: 10 }, (_, p) => `p${p}`);
  const q = (interval: '15m' | '1d') => () => h.queryRange({ devices: ['year-dev'], points: pts, from: YEAR_START, to: YEAR_START + 365 * 86_400_000, interval, agg: 'avg', timeZone: 'Europe/Copenhagen' });
  // QuestDB applies a year of hourly partitions slowly on 2 cores: time the queries only once every value is there.
  for (const until = Date.now() + 180_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
    if ((await q('15m')()).every((s) => s.rows.every((r) => r.value !== null))) break;
  }
  const rows15 = (await q('15m')()).reduce((a, s) => a + s.rows.length, 0);
  out.year15m = `${(await timed(5, q('15m'))).toFixed(1)} ms (${rows15.toLocaleString('en')} values)`;
  out.year1d = `${(await timed(5, q('1d'))).toFixed(1)} ms (3,650 values)`;

  // 3. Latest values of 10,000 devices (10 points each).
  for (let tick = 0; tick < 2; tick++) {
    const s: Sample[] = [];
    for (let d = 0; d < 10_000; d++) for (let p = 0; p < 10; p++) s.push({ device: `fleet-${String(d).padStart(5, '0')}`, point: `p${p}`, ts: NOW + 3600_000 + tick * 10_000, value: d + p, quality: 'good' });
    h.writeSamples(s);
    await h.flush();
  }
  const fleet = Array.from({ length: 10_000 }, (_, d) => `fleet-${String(d).padStart(5, '0')}`);
  const n = (await h.latest(fleet)).length;
  out.latest10k = `${(await timed(5, () => h.latest(fleet))).toFixed(1)} ms (${n.toLocaleString('en')} series)`;
  console.log(`\n${name} (${availableParallelism()} cores, Node ${process.version})`);
  for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(10)} ${v}`);
  return out;
}

const which = process.argv[2] ?? 'both';
if (which === 'embedded' || which === 'both') {
  const dir = mkdtempSync(join(tmpdir(), 'heatgrid-bench-'));
  const h = new EmbeddedHistorian(dir, opts, log);
  await h.start();
  await bench('embedded (node:sqlite)', h);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}
if (which === 'questdb' || which === 'both') {
  let server: QuestDbServer | null = null;
  let url = process.env.QUESTDB_URL ? new URL(process.env.QUESTDB_URL) : null;
  if (!url) {
    const reason = questdbSkipReason();
    if (reason) {
      console.log(`\nquestdb: skipped (${reason})`);
      process.exit(0);
    }
    server = new QuestDbServer();
    await server.start();
    url = server.url;
  }
  const dir = mkdtempSync(join(tmpdir(), 'heatgrid-bench-'));
  const h = new QuestDbHistorian(url, dir, opts, log);
  await h.start();
  await bench(`questdb (${url.host})`, h);
  await h.close();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
