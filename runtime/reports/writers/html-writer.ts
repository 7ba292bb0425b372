// HTML: a stand-alone document (stored for download) rendered section by section from the handlebars
// templates report-head/report-device/report-foot, and the same sections for the mail body — only the
// first devices there (a mail with 1,000 tables helps nobody; the attachments hold all of them).
import type { DeviceTable } from '../report-data.ts';
import { columnLabel, displayTime, formatDateTime, formatValue, interpolate, periodLabel } from '../report-text.ts';
import { FileSink, type FormatWriter, type RenderContext } from './format-writer.ts';

/** Mail bodies list at most this many table cells (rows × points) before they are cut short. */
export const MAIL_CELL_LIMIT = 5000;

export class HtmlWriter implements FormatWriter {
  private readonly sink: FileSink | null;
  private readonly ctx: RenderContext;
  private readonly common: Record<string, unknown>;
  private readonly timeLabels: string[];
  private mailParts: string[] = [];
  private mailCells = 0;
  private mailDevices = 0;
  private seen = 0;

  /** path null = mail body only. */
  constructor(path: string | null, ctx: RenderContext) {
    this.ctx = ctx;
    this.sink = path ? new FileSink(path) : null;
    const { def, labels } = ctx;
    this.timeLabels = ctx.times.map((t) => displayTime(t, def.interval, ctx.timeZone));
    this.common = {
      title: def.title, language: def.language, utility: ctx.utility, labels, timeZone: ctx.timeZone, deviceCount: ctx.deviceCount,
      periodLabel: periodLabel(ctx.from, ctx.to, def.language, ctx.timeZone), intervalLabel: labels.intervals[def.interval],
      generated: formatDateTime(ctx.generatedAt, def.language, ctx.timeZone), columns: def.points.map((p) => columnLabel(p, labels)),
    };
  }

  async start(): Promise<void> {
    const head = this.ctx.texts.template(this.ctx.def.language, 'report-head.hbs')(this.common);
    await this.sink?.write(head);
  }

  async device(t: DeviceTable): Promise<void> {
    this.seen++;
    const { def } = this.ctx;
    const rows = t.times.map((_, i) => ({ time: this.timeLabels[i], values: t.columns.map((c, j) => formatValue(c[i] ?? null, def.language, def.points[j]!.decimals)) }));
    const html = this.ctx.texts.template(def.language, 'report-device.hbs')({ ...this.common, device: t.device, rows });
    await this.sink?.write(html);
    const cells = t.times.length * def.points.length;
    // Devices go into the mail in order until the cell budget is spent; after the first that does not fit, none.
    if (this.mailCells + cells <= MAIL_CELL_LIMIT) {
      this.mailParts.push(html);
      this.mailDevices++;
      this.mailCells += cells;
    } else this.mailCells = Infinity;
  }

  private foot(truncated: string | null): string {
    return this.ctx.texts.template(this.ctx.def.language, 'report-foot.hbs')({ ...this.common, truncated });
  }

  /** The tables for the mail body (without the document head). */
  mailBody(): string {
    const truncated = this.mailDevices < this.seen ? interpolate(this.ctx.labels.truncated, { shown: this.mailDevices, total: this.seen }) : null;
    return `${this.mailParts.join('')}${truncated ? `<p>${truncated.replace(/</g, '&lt;')}</p>` : ''}`;
  }

  async finish(): Promise<void> {
    if (!this.sink) return;
    await this.sink.write(this.foot(null));
    await this.sink.end();
  }

  async abort(): Promise<void> {
    await this.sink?.end();
  }
}
