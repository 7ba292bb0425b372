// Schedules: cron parsing and DST on the utility's clock, calendar periods, and a scheduled run across a
// restart — the service is closed while the run is due and made up exactly once when it is opened again.
import assert from 'node:assert/strict';
import { CronError, nextRun, parseCron, runsBetween } from '../runtime/reports/cron.ts';
import { resolvePeriod } from '../runtime/reports/period.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { createHistorian } from '../runtime/historian/create-historian.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { SmartGroupService } from '../runtime/devices/smart-groups.ts';
import { SelectionResolver } from '../runtime/devices/selection.ts';
import { ReportService } from '../runtime/reports/report-service.ts';
import type { Historian } from '../runtime/historian/historian.ts';
import { tempDataDir } from './support/runtime-process.ts';
import { writeReadings } from './report-fixtures.ts';

const CPH = 'Europe/Copenhagen';
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

describe('report schedules (reports/)', function () {
  this.timeout(30_000);

  describe('cron expressions on the utility clock', () => {
    it('parses fields, names, steps and macros, and refuses nonsense with a reason', () => {
      const c = parseCron('*/15 6-8 1,15 jan-mar mon-fri');
      assert.deepEqual([...c.minutes], [0, 15, 30, 45]);
      assert.deepEqual([...c.hours], [6, 7, 8]);
      assert.deepEqual([...c.months], [1, 2, 3]);
      assert.deepEqual([...c.weekdays], [1, 2, 3, 4, 5]);
      assert.deepEqual([...parseCron('0 0 * * 7').weekdays].sort(), [0, 7]);
      assert.equal(parseCron('@monthly').days.has(1), true);
      for (const bad of ['0 25 * * *', '* * *', '5-1 * * * *', '*/0 * * * *', 'x * * * *']) assert.throws(() => parseCron(bad), CronError, bad);
    });

    it('"on the 1st at 06:00" follows the local clock in winter and summer', () => {
      const c = parseCron('0 6 1 * *');
      assert.equal(iso(nextRun(c, Date.parse('2026-01-15T00:00:00Z'), CPH)), '2026-02-01T05:00:00.000Z'); // CET
      assert.equal(iso(nextRun(c, Date.parse('2026-03-15T00:00:00Z'), CPH)), '2026-04-01T04:00:00.000Z'); // CEST
      assert.equal(iso(nextRun(c, Date.parse('2026-04-01T04:00:00Z'), CPH)), '2026-05-01T04:00:00.000Z'); // strictly after
      assert.equal(nextRun(parseCron('0 0 30 2 *'), 0, CPH), null); // 30 February never comes
    });

    it('DST: a skipped wall time runs when the gap ends; a repeated one runs once; hourly covers both hours', () => {
      // 29 March 2026: 02:00 CET → 03:00 CEST (01:00Z). 25 October 2026: 03:00 CEST → 02:00 CET (01:00Z).
      assert.equal(iso(nextRun(parseCron('30 2 * * *'), Date.parse('2026-03-28T12:00:00Z'), CPH)), '2026-03-29T01:00:00.000Z');
      const daily = parseCron('30 2 * * *');
      const autumn = runsBetween(daily, Date.parse('2026-10-24T12:00:00Z'), Date.parse('2026-10-26T12:00:00Z'), CPH);
      assert.deepEqual(autumn.map(iso), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
      const hourly = runsBetween(parseCron('0 * * * *'), Date.parse('2026-10-24T23:30:00Z'), Date.parse('2026-10-25T02:30:00Z'), CPH);
      assert.deepEqual(hourly.map(iso), ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z']);
      const spring = runsBetween(parseCron('0 * * * *'), Date.parse('2026-03-28T23:30:00Z'), Date.parse('2026-03-29T02:30:00Z'), CPH);
      assert.deepEqual(spring.map(iso), ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
    });

    it('day-of-month and day-of-week together match either (Vixie cron)', () => {
      const c = parseCron('0 8 13 * fri');
      const runs = runsBetween(c, Date.parse('2026-02-01T00:00:00Z'), Date.parse('2026-02-28T00:00:00Z'), 'UTC');
      assert.deepEqual(runs.map((t) => new Date(t).getUTCDate()), [6, 13, 20, 27]); // Fridays, and the 13th (a Friday too)
    });
  });

  describe('periods', () => {
    const ref = Date.parse('2026-04-01T06:00:00+02:00');
    it('last month across the DST change is 743 hours from local midnight to local midnight', () => {
      const p = resolvePeriod({ preset: 'last-month' }, ref, CPH);
      assert.equal(iso(p.from), '2026-02-28T23:00:00.000Z');
      assert.equal(iso(p.to), '2026-03-31T22:00:00.000Z');
      assert.equal((p.to - p.from) / 3600_000, 743);
    });
    it('weeks start on Monday; quarters, years, rolling days and custom ranges', () => {
      const wed = Date.parse('2026-04-08T10:00:00+02:00');
      assert.deepEqual([resolvePeriod({ preset: 'last-week' }, wed, CPH)].map((p) => [iso(p.from), iso(p.to)])[0], ['2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z']);
      assert.equal(iso(resolvePeriod({ preset: 'this-week' }, wed, CPH).from), '2026-04-05T22:00:00.000Z');
      assert.equal(resolvePeriod({ preset: 'this-week' }, wed, CPH).to, wed);
      assert.deepEqual(Object.values(resolvePeriod({ preset: 'last-quarter' }, ref, CPH)).map(iso), ['2025-12-31T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
      assert.deepEqual(Object.values(resolvePeriod({ preset: 'last-year' }, ref, CPH)).map(iso), ['2024-12-31T23:00:00.000Z', '2025-12-31T23:00:00.000Z']);
      assert.deepEqual(Object.values(resolvePeriod({ preset: 'yesterday' }, ref, CPH)).map(iso), ['2026-03-30T22:00:00.000Z', '2026-03-31T22:00:00.000Z']);
      assert.deepEqual(Object.values(resolvePeriod({ rollingDays: 7 }, ref, CPH)).map(iso), ['2026-03-24T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
      assert.deepEqual(Object.values(resolvePeriod({ from: '2026-01-01', to: '2026-01-02T12:00:00Z' }, ref, CPH)).map(iso), ['2025-12-31T23:00:00.000Z', '2026-01-02T12:00:00.000Z']);
    });
  });

  describe('a scheduled run across a restart', () => {
    let dir: string;
    let now: number;
    const open = async () => {
      const store = new ConfigStore(dir);
      const historian = await createHistorian({ questdbUrl: null, dataDir: dir, logLevel: 'error' });
      const registry = new DeviceRegistry(store, { templateExists: () => true });
      const groups = new SmartGroupService(store, registry);
      const reports = new ReportService({
        store, historian, selections: new SelectionResolver({ registry, groups }), timeZone: CPH, dataDir: dir, smtp: null, tickMs: 0, clock: { now: () => now },
      });
      return { store, historian, registry, reports, close: async () => { await reports.close(); await historian.close(); store.close(); } };
    };
    let first: Awaited<ReturnType<typeof open>>;
    let historian: Historian;

    before(async () => {
      dir = tempDataDir();
      now = Date.parse('2026-03-31T20:00:00+02:00');
      first = await open();
      historian = first.historian;
      first.registry.create({ id: 'sub-1', name: 'Substation 1', connection: { kind: 'modbus-tcp', host: '10.0.0.1', port: 502, unitId: 1 } });
      await writeReadings(historian, ['sub-1'], Date.parse('2026-03-01T00:00:00+01:00'), Date.parse('2026-04-01T00:00:00+02:00'), 3600_000);
    });

    it('is closed during its due time, made up once on start, and not again on the next start', async () => {
      first.reports.start();
      first.reports.create({ id: 'monthly', title: 'Monthly', period: { preset: 'last-month' }, devices: { device: 'sub-1' }, points: ['supply_temp_c'], interval: '1d', formats: ['csv'], schedule: { cron: '0 6 1 * *' } });
      assert.equal(iso(first.reports.nextDue('monthly')), '2026-04-01T04:00:00.000Z');
      assert.deepEqual(first.reports.tick(), []); // not due yet
      await first.close();

      now = Date.parse('2026-04-01T09:30:00+02:00'); // the runtime was down at 06:00
      const second = await open();
      second.reports.start();
      const runs = second.reports.listRuns({ definitionId: 'monthly' });
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.trigger, 'catch-up');
      assert.equal(iso(runs[0]!.scheduledFor), '2026-04-01T04:00:00.000Z');
      const done = await second.reports.waitFor(runs[0]!.id);
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.deepEqual(Object.values(done.period).map(iso), ['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']); // March, not April
      assert.equal(second.reports.tick().length, 0);
      await second.close();

      now = Date.parse('2026-04-01T10:00:00+02:00');
      const third = await open();
      third.reports.start();
      assert.equal(third.reports.tick().length, 0);
      assert.equal(third.reports.listRuns({ definitionId: 'monthly' }).length, 1, 'made up exactly once');
      // Two services on the same store (a second process) cannot double a due time either.
      now = Date.parse('2026-05-01T06:00:05+02:00');
      const other = await open();
      const [a, b] = [third.reports.tick(), other.reports.tick()];
      assert.equal(a.length + b.length, 1);
      assert.equal(a[0]?.trigger ?? b[0]?.trigger, 'schedule');
      await third.reports.waitFor((a[0] ?? b[0])!.id).catch(() => undefined);
      await other.close();
      await third.close();
    });

    it('re-runs a run that a stop interrupted', async () => {
      const s = await open();
      const run = s.reports.runNow('monthly');
      // Simulate a crash mid-run: the row says running, nothing finished.
      s.store.db.prepare(`UPDATE report_runs SET status = 'running' WHERE id = ?`).run(run.id);
      await s.reports.waitFor(run.id); // let the in-process one finish before "crashing"
      s.store.db.prepare(`UPDATE report_runs SET status = 'running', finished_at = NULL WHERE id = ?`).run(run.id);
      await s.close();
      const again = await open();
      again.reports.start();
      const done = await again.reports.waitFor(run.id);
      assert.equal(done.status, 'succeeded');
      await again.close();
    });
  });
});
