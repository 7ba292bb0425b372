// Every report format read back and checked against the historian's own answers: CSV parsed (RFC 4180,
// BOM, locale-aware numbers), XLSX parsed with exceljs, PDF text through pdftotext, HTML searched.
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { startTestServices, type TestServices } from './support/services.ts';
import { ReportService } from '../runtime/reports/report-service.ts';
import { ReportError } from '../runtime/reports/definition-validation.ts';
import { localMidnight } from '../runtime/historian/buckets.ts';
import { isoLocal } from '../runtime/reports/report-text.ts';
import type { ConsumptionResult, SeriesResult } from '../runtime/historian/historian.ts';
import type { ReportRun } from '../runtime/reports/types.ts';
import { parseCsv, pdfText, writeReadings } from './report-fixtures.ts';

const TZ = 'Europe/Copenhagen';
const modbus = (n: number) => ({ kind: 'modbus-tcp' as const, host: '10.0.0.1', port: 502, unitId: n });

describe('report formats (reports/)', function () {
  this.timeout(60_000);
  let services: TestServices;
  let reports: ReportService;
  let run: ReportRun;
  let energy: ConsumptionResult[];
  let temps: SeriesResult[];
  const ids = ['sub-a', 'sub-b', 'sub-c'];
  const from = localMidnight(2026, 2, 1, TZ);
  const to = localMidnight(2026, 3, 1, TZ);
  const definition = {
    id: 'february',
    title: 'Heat energy February',
    period: { preset: 'last-month' },
    devices: { devices: ids },
    points: [
      { key: 'heat_energy_kwh', aggregation: 'consumption' },
      { key: 'supply_temp_c', aggregation: 'avg' },
      { key: 'return_temp_c', aggregation: 'avg', decimals: 1 },
    ],
    interval: '1d',
    formats: ['csv', 'xlsx', 'pdf', 'html'],
    csv: { bom: true },
    language: 'en',
  };

  before(async function () {
    services = await startTestServices({ HEATGRID_TIME_ZONE: TZ });
    ids.forEach((id, i) => services.registry.create({ id, name: `Substation ${'ABC'[i]}, "Nord"`, connection: modbus(i + 1) }));
    await writeReadings(services.historian, ids, localMidnight(2026, 1, 30, TZ), localMidnight(2026, 3, 2, TZ));
    reports = new ReportService({
      store: services.store, historian: services.historian, selections: services.selections, timeZone: TZ, dataDir: services.config.dataDir,
      smtp: null, tickMs: 0, utilityName: 'Fernwärme Nordstadt', clock: { now: () => Date.parse('2026-03-10T10:00:00+01:00') },
    });
    reports.start();
    reports.create(definition);
    run = await reports.waitFor(reports.runNow('february').id);
    energy = await services.historian.consumption({ devices: ids, points: ['heat_energy_kwh'], from, to, interval: '1d', timeZone: TZ });
    temps = await services.historian.queryRange({ devices: ids, points: ['supply_temp_c', 'return_temp_c'], from, to, interval: '1d', agg: 'avg', timeZone: TZ });
  });
  after(async () => {
    await reports?.close();
    await services?.close();
  });

  const expected = (device: string, day: number) => ({
    energy: energy.find((e) => e.device === device)!.buckets[day]!.value!,
    supply: temps.find((s) => s.device === device && s.point === 'supply_temp_c')!.rows[day]!.value!,
    ret: temps.find((s) => s.device === device && s.point === 'return_temp_c')!.rows[day]!.value!,
  });
  const file = (name: string) => readFileSync(join(reports.runsDir, run.id, name));

  it('records the run: period last month in the utility zone, files and sizes', () => {
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.deepEqual(run.period, { from, to });
    assert.equal(run.devices, 3);
    assert.deepEqual(run.progress, { done: 3, total: 3 });
    assert.deepEqual(run.files.map((f) => f.name), ['heat-energy-february.csv', 'heat-energy-february.xlsx', 'heat-energy-february.pdf', 'heat-energy-february.html']);
    for (const f of run.files) assert.equal(f.bytes, file(f.name).length);
    assert.ok(run.durationMs !== null && run.durationMs >= 0);
    const opened = reports.openFile(run.id, 'heat-energy-february.csv');
    assert.equal(opened.contentType, 'text/csv; charset=utf-8');
    opened.stream.destroy();
    assert.throws(() => reports.openFile(run.id, '../heatgrid.db'), (err: ReportError) => err.code === 'file_not_found');
    // Sanity of the fixture: 28 days, consumption 2.5 kWh per quarter and a bit.
    assert.equal(energy[0]!.buckets.length, 28);
    assert.ok(energy[0]!.buckets.every((b) => b.value !== null && b.value >= 240));
  });

  it('CSV: RFC 4180 with BOM, ISO times with offset, numbers equal to the historian', () => {
    const text = file('heat-energy-february.csv').toString('utf8');
    assert.ok(text.startsWith('\uFEFF'));
    assert.ok(text.includes('\r\n'));
    const rows = parseCsv(text.slice(1));
    assert.deepEqual(rows[0], ['Device id', 'Device', 'Time', 'heat_energy_kwh (consumption)', 'supply_temp_c (average)', 'return_temp_c (average)']);
    assert.equal(rows.length, 1 + 3 * 28);
    assert.equal(rows[1]![1], 'Substation A, "Nord"'); // quoted on write, read back whole
    for (const row of rows.slice(1)) {
      const day = (rows.indexOf(row) - 1) % 28;
      const e = expected(row[0]!, day);
      assert.equal(row[2], isoLocal(from + 0, TZ).slice(0, 0) + isoLocal(localMidnight(2026, 2, day + 1, TZ), TZ));
      assert.ok(Math.abs(Number(row[3]) - e.energy) < 1e-9, `${row[3]} vs ${e.energy}`);
      assert.ok(Math.abs(Number(row[4]) - e.supply) < 1e-9);
      assert.ok(Math.abs(Number(row[5]) - e.ret) < 1e-9);
    }
    assert.equal(rows[1]![2], '2026-02-01T00:00:00+01:00');
  });

  it('CSV with a German number format: decimal comma, semicolon separator', async () => {
    const r = await reports.waitFor(reports.runNow({ ...definition, id: undefined, formats: ['csv'], csv: { numberLocale: 'de-DE' } }).id);
    assert.equal(r.definitionId, null); // inline definitions are not stored
    const rows = parseCsv(readFileSync(join(reports.runsDir, r.id, r.files[0]!.name), 'utf8'), ';');
    const e = expected('sub-a', 0);
    assert.match(rows[1]![4]!, /^\d+,\d+$/);
    assert.ok(Math.abs(Number(rows[1]![4]!.replace(',', '.')) - e.supply) < 1e-6);
    assert.ok(Math.abs(Number(rows[1]![3]!.replace(',', '.')) - e.energy) < 1e-6);
  });

  it('XLSX: a sheet about the report and one per device, numbers equal to the historian', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file('heat-energy-february.xlsx') as unknown as ArrayBuffer);
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['Heat energy February', 'Substation A, "Nord"', 'Substation B, "Nord"', 'Substation C, "Nord"']);
    const about = wb.worksheets[0]!;
    assert.equal(about.getCell('B1').value, 'Fernwärme Nordstadt');
    assert.equal(about.getCell('B6').value, TZ);
    ids.forEach((id, k) => {
      const sheet = wb.worksheets[k + 1]!;
      assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), ['Time', 'heat_energy_kwh (consumption)', 'supply_temp_c (average)', 'return_temp_c (average)']);
      assert.equal(sheet.rowCount, 29);
      for (let day = 0; day < 28; day++) {
        const row = sheet.getRow(day + 2);
        const e = expected(id, day);
        const time = row.getCell(1).value as Date;
        assert.equal(time.toISOString().slice(0, 10), `2026-02-${String(day + 1).padStart(2, '0')}`);
        assert.equal(row.getCell(2).value, e.energy);
        assert.equal(row.getCell(3).value, e.supply);
        assert.equal(row.getCell(4).value, e.ret);
      }
    });
  });

  it('PDF: header with utility, period and generation time; tables with the historian numbers (pdftotext)', () => {
    const text = pdfText(file('heat-energy-february.pdf'));
    assert.match(text, /Fernwärme Nordstadt · Heat energy February/);
    assert.match(text, /Period: 1 Feb 2026 – 28 Feb 2026 \(day, Europe\/Copenhagen\)/);
    assert.match(text, /Generated: 10 Mar 2026, 10:00 CET/);
    const fmt = (v: number, d: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
    const pages = text.split('\f');
    ids.forEach((id, k) => {
      const page = pages.findIndex((p) => p.includes(`(${id})`));
      assert.ok(page >= 0, `a page for ${id}`);
      const section = pages.slice(page, page + 2).join('\n');
      for (const day of [0, 13, 27]) {
        const e = expected(id, day);
        // Table rows: a date and three numbers (chart axis labels hold dates only).
        const line = section.split('\n').find((l) => l.trim().startsWith(`2026-02-${String(day + 1).padStart(2, '0')} `) && /\d\s*$/.test(l) && !/2026-02-\d\d\s*$/.test(l));
        assert.ok(line, `row for day ${day + 1} of ${id}`);
        assert.deepEqual(line.trim().split(/\s{2,}/).slice(1), [fmt(e.energy, 2), fmt(e.supply, 2), fmt(e.ret, 1)], `${id} day ${day + 1}`);
      }
      assert.ok(k >= 0);
    });
  });

  it('HTML: a document with one table per device, values as in the PDF', () => {
    const html = file('heat-energy-february.html').toString('utf8');
    assert.match(html, /<h1>Heat energy February<\/h1>/);
    assert.equal((html.match(/<table>/g) ?? []).length, 3);
    assert.ok(html.includes('Substation A, &quot;Nord&quot;'));
    const e = expected('sub-b', 5);
    const fmt = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    assert.ok(html.includes(`<td>2026-02-06</td><td class="n">${fmt.format(e.energy)}</td><td class="n">${fmt.format(e.supply)}</td>`));
  });

  it('German language and a utility template override', async () => {
    const dir = join(services.config.dataDir, 'report-templates');
    mkdirSync(join(dir, 'de'), { recursive: true });
    writeFileSync(join(dir, 'report-head.hbs'), '<html><body><h1>EIGENER KOPF {{title}}</h1>\n');
    const r = await reports.waitFor(reports.runNow({ ...definition, id: undefined, language: 'de', formats: ['html', 'pdf'] }).id);
    const html = readFileSync(join(reports.runsDir, r.id, r.files[0]!.name), 'utf8');
    assert.match(html, /EIGENER KOPF Heat energy February/);
    assert.match(html, /<th>Zeit<\/th><th>heat_energy_kwh \(Verbrauch\)<\/th>/);
    const e = expected('sub-a', 0);
    assert.ok(html.includes(new Intl.NumberFormat('de-DE', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(e.supply)));
    const text = pdfText(join(reports.runsDir, r.id, r.files[1]!.name));
    assert.match(text, /Zeitraum: 1\. Feb\. 2026 – 28\. Feb\. 2026/);
  });

  it('refuses invalid definitions with {code, message, details} naming every field', () => {
    try {
      reports.create({ title: '', period: { preset: 'next-month' }, devices: { group: 'No Such' }, points: [{ key: 'x', aggregation: 'median' }], interval: '5m', formats: ['docx'], schedule: { cron: '0 25 * * *' }, delivery: { email: { to: ['nobody'] } } });
      assert.fail('expected a ReportError');
    } catch (err) {
      assert.ok(err instanceof ReportError);
      const json = err.toJSON();
      assert.equal(json.code, 'invalid_report');
      assert.deepEqual(json.details.map((d) => d.field).sort(), ['delivery.email.to[0]', 'devices.group', 'formats', 'interval', 'period', 'points[0].aggregation', 'schedule.cron', 'title'].sort());
    }
    assert.throws(() => reports.get('nope'), (err: ReportError) => err.code === 'report_not_found');
    assert.throws(() => reports.create(definition), (err: ReportError) => err.code === 'report_exists');
  });

  it('a run over an unknown group fails visibly in the run history', async () => {
    const r = await reports.waitFor(reports.runNow({ ...definition, id: undefined, devices: { group: 'gone' } }).id);
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /no smart group "gone"/);
    assert.ok(reports.listRuns({ status: 'failed' }).some((x) => x.id === r.id));
    assert.equal(reports.health().ok, false);
  });
});
