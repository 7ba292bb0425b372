// XLSX through exceljs' streaming WorkbookWriter: rows are committed as they are written, and each device
// sheet is committed when its device is done, so memory stays flat however many devices the report has.
// A first sheet describes the report (utility, title, period, generation time, time zone); data sheets have
// their column headings in row 1. Times are local wall-clock dates (Excel has no time zones; the zone is on
// the first sheet); values are numbers with the point's decimals as display format, full precision kept.
import ExcelJS from 'exceljs';
import { offsetMs } from '../../historian/buckets.ts';
import type { DeviceTable } from '../report-data.ts';
import { columnLabel, formatDateTime, periodLabel } from '../report-text.ts';
import type { FormatWriter, RenderContext } from './format-writer.ts';

const DATE_FORMATS = { '15m': 'yyyy-mm-dd hh:mm', '1h': 'yyyy-mm-dd hh:mm', '1d': 'yyyy-mm-dd', '1mo': 'yyyy-mm' } as const;

export function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').replace(/^'+|'+$/g, '').trim().slice(0, 31) || 'Sheet';
  let candidate = base;
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base.slice(0, 31 - String(n).length - 1)}~${n}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

export class XlsxWriter implements FormatWriter {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly ctx: RenderContext;
  private readonly used = new Set<string>();
  private readonly localTimes: Date[];
  private table: ExcelJS.Worksheet | null = null;

  constructor(path: string, ctx: RenderContext) {
    this.ctx = ctx;
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
    this.workbook.creator = 'Heatgrid';
    this.localTimes = ctx.times.map((t) => new Date(t + offsetMs(t, ctx.timeZone)));
  }

  async start(): Promise<void> {
    const { labels, def } = this.ctx;
    const about = this.workbook.addWorksheet(sheetName(def.title, this.used));
    about.columns = [{ width: 22 }, { width: 60 }];
    const rows: Array<[string, string | number]> = [
      [def.title, this.ctx.utility],
      [labels.period, periodLabel(this.ctx.from, this.ctx.to, def.language, this.ctx.timeZone)],
      [labels.interval, labels.intervals[def.interval]],
      [labels.devices, this.ctx.deviceCount],
      [labels.generated, formatDateTime(this.ctx.generatedAt, def.language, this.ctx.timeZone)],
      [labels.timeZone, this.ctx.timeZone],
    ];
    rows.forEach((r, i) => {
      const row = about.addRow(r);
      if (i === 0) row.font = { bold: true };
      row.commit();
    });
    about.commit();
    if (def.layout === 'table') this.table = this.dataSheet(labels.devices, true);
  }

  private dataSheet(name: string, withDevice: boolean): ExcelJS.Worksheet {
    const { def, labels } = this.ctx;
    const sheet = this.workbook.addWorksheet(sheetName(name, this.used), { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = [
      ...(withDevice ? [{ header: labels.deviceId, key: 'id', width: 24 }, { header: labels.device, key: 'name', width: 28 }] : []),
      { header: labels.time, key: 'time', width: 18, style: { numFmt: DATE_FORMATS[def.interval] } },
      ...def.points.map((p, i) => ({ header: columnLabel(p, labels), key: `p${i}`, width: 22, style: { numFmt: p.decimals ? `0.${'0'.repeat(p.decimals)}` : '0' } })),
    ];
    sheet.getRow(1).font = { bold: true };
    return sheet;
  }

  async device(t: DeviceTable): Promise<void> {
    const sheet = this.table ?? this.dataSheet(t.device.name || t.device.id, false);
    const lead = this.table ? [t.device.id, t.device.name] : [];
    for (let i = 0; i < t.times.length; i++) sheet.addRow([...lead, this.localTimes[i], ...t.columns.map((c) => c[i] ?? null)]).commit();
    if (!this.table) sheet.commit();
  }

  async finish(): Promise<void> {
    this.table?.commit();
    await this.workbook.commit();
  }

  async abort(): Promise<void> {
    await this.workbook.commit().catch(() => undefined);
  }
}
