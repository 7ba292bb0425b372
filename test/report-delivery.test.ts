// Delivery through a real SMTP server, and the issue's "Done when": "last month, daily energy and average
// supply/return temperature, smart group North, XLSX and PDF, mailed on the 1st at 06:00" runs on schedule
// against the demo fleet's stored data and arrives by mail with the historian's numbers; the same report
// on demand. A refused mail is retried, visible in the run meanwhile.
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startTestServices, type TestServices } from './support/services.ts';
import { startDemoFleet, type DemoFleet } from '../runtime/fleet/demo-fleet.ts';
import { createLogger } from '../runtime/log.ts';
import { ReportService } from '../runtime/reports/report-service.ts';
import { localMidnight } from '../runtime/historian/buckets.ts';
import { attachments, htmlOf, pdfText, startSmtp, writeReadings } from './report-fixtures.ts';

const TZ = 'Europe/Copenhagen';

describe('report delivery (reports/)', function () {
  this.timeout(60_000);
  let services: TestServices;
  let demo: DemoFleet | null;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let reports: ReportService;
  let now: number;
  let north: string[];
  const march = { from: localMidnight(2026, 3, 1, TZ), to: localMidnight(2026, 4, 1, TZ) };
  const definition = {
    id: 'north-monthly',
    title: 'North monthly energy',
    period: { preset: 'last-month' },
    devices: { group: 'north' },
    points: [
      { key: 'heat_energy_kwh', aggregation: 'consumption' },
      { key: 'supply_temp_c', aggregation: 'avg' },
      { key: 'return_temp_c', aggregation: 'avg' },
    ],
    interval: '1d',
    formats: ['xlsx', 'pdf'],
    schedule: { cron: '0 6 1 * *' },
    delivery: { email: { to: ['engineer@utility.example', 'billing@utility.example'] }, store: { retentionDays: 30 } },
  };

  before(async function () {
    services = await startTestServices({ HEATGRID_TIME_ZONE: TZ });
    demo = await startDemoFleet(services.registry, services.groups, 6, createLogger('demo', 'error'));
    north = services.groups.members('north').map((d) => d.id);
    assert.ok(north.length >= 3, 'the demo group North has devices');
    // The demo fleet's stored data for February and March (15-minute readings), as the storage flow writes them.
    const all = services.registry.all().map((d) => d.id);
    await writeReadings(services.historian, all, localMidnight(2026, 2, 25, TZ), march.to + 86_400_000);
    smtp = await startSmtp();
    now = Date.parse('2026-04-01T05:59:00+02:00');
    reports = new ReportService({
      store: services.store, historian: services.historian, selections: services.selections, timeZone: TZ, dataDir: services.config.dataDir,
      smtp: smtp.url, tickMs: 0, retryBaseMs: 60_000, clock: { now: () => now }, utilityName: 'Demo Fjernvarme',
    });
    reports.start();
  });
  after(async () => {
    await reports?.close();
    await smtp?.close();
    await demo?.stop();
    await services?.close();
  });

  it('Done when: runs on the 1st at 06:00 and arrives by mail (XLSX + PDF) with the historian numbers', async () => {
    now = Date.parse('2026-03-20T12:00:00+01:00');
    reports.create(definition);
    now = Date.parse('2026-04-01T05:59:59+02:00');
    assert.deepEqual(reports.tick(), []);
    now = Date.parse('2026-04-01T06:00:02+02:00');
    const [queued] = reports.tick();
    assert.ok(queued, 'due at 06:00');
    assert.equal(queued.trigger, 'schedule');
    const run = await reports.waitFor(queued.id);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.deepEqual(run.period, march);
    assert.equal(run.devices, north.length);
    await reports.dispatch();
    await smtp.waitFor(2);
    const mail = smtp.mails.find((m) => m.to.includes('engineer@utility.example'))!;
    assert.equal(mail.subject, 'North monthly energy – 1 Mar 2026 – 31 Mar 2026');
    assert.match(htmlOf(mail.mime), /the report <b>North monthly energy<\/b> for 1 Mar 2026 – 31 Mar 2026/);
    const files = attachments(mail.mime);
    assert.deepEqual([...files.keys()], ['north-monthly-energy.xlsx', 'north-monthly-energy.pdf']);

    const energy = await services.historian.consumption({ devices: north, points: ['heat_energy_kwh'], ...march, interval: '1d', timeZone: TZ });
    const temps = await services.historian.queryRange({ devices: north, points: ['supply_temp_c', 'return_temp_c'], ...march, interval: '1d', agg: 'avg', timeZone: TZ });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(files.get('north-monthly-energy.xlsx')! as unknown as ArrayBuffer);
    assert.equal(wb.worksheets.length, 1 + north.length);
    const names = new Map(services.registry.all().map((d) => [d.name, d.id]));
    let checked = 0;
    for (const sheet of wb.worksheets.slice(1)) {
      const id = names.get(sheet.name)!;
      assert.ok(north.includes(id), `${sheet.name} is in North`);
      assert.equal(sheet.rowCount, 1 + 31);
      for (let day = 0; day < 31; day++) {
        const row = sheet.getRow(day + 2);
        assert.equal(row.getCell(2).value, energy.find((e) => e.device === id)!.buckets[day]!.value);
        assert.equal(row.getCell(3).value, temps.find((s) => s.device === id && s.point === 'supply_temp_c')!.rows[day]!.value);
        assert.equal(row.getCell(4).value, temps.find((s) => s.device === id && s.point === 'return_temp_c')!.rows[day]!.value);
        checked++;
      }
    }
    assert.equal(checked, 31 * north.length);
    // The daily energy sums to the month's consumption.
    const month = await services.historian.consumption({ devices: north, points: ['heat_energy_kwh'], ...march, timeZone: TZ });
    const first = energy.find((e) => e.device === north[0])!;
    assert.ok(Math.abs(first.buckets.reduce((s, b) => s + (b.value ?? 0), 0) - month.find((m) => m.device === north[0])!.total) < 1e-6);

    const text = pdfText(files.get('north-monthly-energy.pdf')!);
    assert.match(text, /Demo Fjernvarme · North monthly energy/);
    assert.match(text, /Period: 1 Mar 2026 – 31 Mar 2026/);
    const fmt = (v: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
    const lastDay = text.split('\n').filter((l) => /^\s*2026-03-31\s{2,}\S+\s{2,}/.test(l)).map((l) => l.trim().split(/\s{2,}/).slice(1));
    assert.deepEqual(lastDay[0], [fmt(first.buckets[30]!.value!), fmt(temps.find((s) => s.device === north[0] && s.point === 'supply_temp_c')!.rows[30]!.value!), fmt(temps.find((s) => s.device === north[0] && s.point === 'return_temp_c')!.rows[30]!.value!)]);

    const after = reports.getRun(run.id);
    assert.deepEqual(after.deliveries.map((d) => [d.to, d.state]), [['engineer@utility.example', 'sent'], ['billing@utility.example', 'sent']]);
    // Stored for download too.
    const opened = reports.openFile(run.id, 'north-monthly-energy.xlsx');
    assert.equal(opened.bytes, files.get('north-monthly-energy.xlsx')!.length);
    opened.stream.destroy();
  });

  it('the same report on demand gives the same numbers', async () => {
    const before = smtp.mails.length;
    const run = await reports.waitFor(reports.runNow('north-monthly').id);
    assert.equal(run.trigger, 'manual');
    assert.deepEqual(run.period, march);
    await reports.dispatch();
    await smtp.waitFor(before + 2);
    const scheduled = reports.listRuns({ definitionId: 'north-monthly' }).find((r) => r.trigger === 'schedule')!;
    const a = new ExcelJS.Workbook();
    const b = new ExcelJS.Workbook();
    await a.xlsx.readFile(`${reports.runsDir}/${scheduled.id}/north-monthly-energy.xlsx`);
    await b.xlsx.readFile(`${reports.runsDir}/${run.id}/north-monthly-energy.xlsx`);
    const values = (wb: ExcelJS.Workbook) => wb.worksheets.slice(1).map((s) => s.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(2)));
    assert.deepEqual(values(b), values(a));
  });

  it('a refused mail is retried with backoff and visible meanwhile; an HTML report goes into the body', async () => {
    smtp.refuse = 1;
    const before = smtp.mails.length;
    const run = await reports.waitFor(reports.runNow({ title: 'Quick look', period: { preset: 'last-month' }, devices: { group: 'north' }, points: ['supply_temp_c'], interval: '1d', formats: ['html', 'csv'], delivery: { email: { to: ['ops@utility.example'] }, store: false }, language: 'de' }).id);
    await reports.dispatch();
    let d = reports.getRun(run.id).deliveries[0]!;
    assert.equal(d.state, 'pending');
    assert.equal(d.attempts, 1);
    assert.match(d.lastError ?? '', /mailbox busy/);
    assert.equal(reports.health().deliveries.pending, 1);
    await reports.dispatch(); // not due yet: backoff
    assert.equal(smtp.mails.length, before);
    now += 61_000;
    await reports.dispatch();
    await smtp.waitFor(before + 1);
    d = reports.getRun(run.id).deliveries[0]!;
    assert.equal(d.state, 'sent');
    assert.equal(d.attempts, 2);
    const mail = smtp.mails.at(-1)!;
    const html = htmlOf(mail.mime);
    assert.match(html, /Der Bericht <b>Quick look<\/b>/);
    assert.match(html, /<th>Zeit<\/th><th>supply_temp_c \(Mittelwert\)<\/th>/);
    assert.deepEqual([...attachments(mail.mime).keys()], ['quick-look.csv']);
  });
});
