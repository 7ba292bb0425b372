// CSV (RFC 4180): CRLF line ends, fields quoted when they hold the separator, a quote or a line break,
// quotes doubled. UTF-8, with a byte order mark on request (Excel on Windows). One long table: device id,
// device name, time (ISO 8601 with offset), one column per point. Numbers are machine-readable ("12.5") unless
// a number locale is chosen; a locale with a decimal comma switches the separator to ";" unless one is set.
import type { DeviceTable } from '../report-data.ts';
import { columnLabel, isoLocal } from '../report-text.ts';
import { FileSink, type FormatWriter, type RenderContext } from './format-writer.ts';

export function csvField(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvNumberFormat(numberLocale: string | undefined): { format: (v: number | null, decimals: number) => string; decimalComma: boolean } {
  if (!numberLocale) return { format: (v) => (v === null || !Number.isFinite(v) ? '' : String(Number(v.toFixed(10)))), decimalComma: false };
  const decimal = new Intl.NumberFormat(numberLocale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  const formats = new Map<number, Intl.NumberFormat>();
  return {
    decimalComma: decimal === ',',
    format: (v, decimals) => {
      if (v === null || !Number.isFinite(v)) return '';
      let f = formats.get(decimals);
      if (!f) formats.set(decimals, (f = new Intl.NumberFormat(numberLocale, { useGrouping: false, minimumFractionDigits: 0, maximumFractionDigits: Math.max(decimals, 6) })));
      return f.format(v);
    },
  };
}

export class CsvWriter implements FormatWriter {
  private readonly sink: FileSink;
  private readonly ctx: RenderContext;
  private readonly delimiter: string;
  private readonly number: ReturnType<typeof csvNumberFormat>;
  private readonly times: string[];

  constructor(path: string, ctx: RenderContext) {
    this.sink = new FileSink(path);
    this.ctx = ctx;
    this.number = csvNumberFormat(ctx.def.csv.numberLocale);
    this.delimiter = ctx.def.csv.delimiter ?? (this.number.decimalComma ? ';' : ',');
    this.times = ctx.times.map((t) => isoLocal(t, ctx.timeZone));
  }

  async start(): Promise<void> {
    const { labels, def } = this.ctx;
    const header = [labels.deviceId, labels.device, labels.time, ...def.points.map((p) => columnLabel(p, labels))];
    await this.sink.write(`${this.ctx.def.csv.bom ? '\uFEFF' : ''}${header.map((h) => csvField(h, this.delimiter)).join(this.delimiter)}\r\n`);
  }

  async device(table: DeviceTable): Promise<void> {
    const d = this.delimiter;
    const prefix = `${csvField(table.device.id, d)}${d}${csvField(table.device.name, d)}${d}`;
    const lines: string[] = [];
    for (let i = 0; i < table.times.length; i++) {
      const values = table.columns.map((c, j) => csvField(this.number.format(c[i] ?? null, this.ctx.def.points[j]!.decimals), d));
      lines.push(`${prefix}${this.times[i]}${d}${values.join(d)}\r\n`);
    }
    await this.sink.write(lines.join(''));
  }

  finish(): Promise<void> {
    return this.sink.end();
  }

  abort(): Promise<void> {
    return this.sink.end();
  }
}
