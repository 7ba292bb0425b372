// PDF through pdfkit (pages are written out as they are finished): every page carries a header with the
// utility, title, period and generation time and a page number; per device a heading, one small chart per
// point (bars for consumption, a line otherwise, gaps left open) and the table. Layout "sheet-per-device"
// starts each device on a new page; "table" lets devices follow each other. Charts are drawn here with
// pdfkit's vector operations: no chart library, no browser.
import PDFDocument from 'pdfkit';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DeviceTable } from '../report-data.ts';
import { columnLabel, displayTime, formatDateTime, formatValue, periodLabel } from '../report-text.ts';
import type { FormatWriter, RenderContext } from './format-writer.ts';

const MARGIN = 36;
const HEADER_H = 44;
const ROW_H = 11;
const CHART_H = 96;
const COLORS = ['#c0392b', '#2471a3', '#1e8449', '#b9770e', '#7d3c98', '#148f77'];

export class PdfWriter implements FormatWriter {
  private readonly doc: PDFKit.PDFDocument;
  private readonly file: WriteStream;
  private readonly ctx: RenderContext;
  private readonly timeLabels: string[];
  private page = 0;
  private y = 0;
  private first = true;

  constructor(path: string, ctx: RenderContext) {
    this.ctx = ctx;
    this.doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: MARGIN, autoFirstPage: false, bufferPages: false, info: { Title: ctx.def.title, Author: ctx.utility, Creator: 'Heatgrid' } });
    this.file = createWriteStream(path);
    this.doc.pipe(this.file);
    this.timeLabels = ctx.times.map((t) => displayTime(t, ctx.def.interval, ctx.timeZone));
    this.doc.on('pageAdded', () => this.decorate());
  }

  private get width(): number {
    return this.doc.page.width - 2 * MARGIN;
  }
  private get bottom(): number {
    return this.doc.page.height - MARGIN - 14;
  }

  /** Header and footer of every page. */
  private decorate(): void {
    const { doc, ctx } = this;
    const { labels, def } = ctx;
    this.page++;
    doc.save();
    doc.font('Helvetica-Bold').fontSize(12).fillColor('#000').text(`${ctx.utility} · ${def.title}`, MARGIN, MARGIN - 12, { width: this.width, lineBreak: false });
    doc.font('Helvetica').fontSize(8).fillColor('#444')
      .text(`${labels.period}: ${periodLabel(ctx.from, ctx.to, def.language, ctx.timeZone)} (${labels.intervals[def.interval]}, ${ctx.timeZone})   ${labels.generated}: ${formatDateTime(ctx.generatedAt, def.language, ctx.timeZone)}`, MARGIN, MARGIN + 4, { width: this.width, lineBreak: false });
    doc.moveTo(MARGIN, MARGIN + HEADER_H - 22).lineTo(MARGIN + this.width, MARGIN + HEADER_H - 22).lineWidth(0.5).stroke('#888');
    // The footer sits in the bottom margin: lift the margin while writing it, or pdfkit starts a new page.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.fontSize(7).fillColor('#666').text(`${labels.page} ${this.page}`, MARGIN, doc.page.height - MARGIN - 6, { width: this.width, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottomMargin;
    doc.restore();
    this.y = MARGIN + HEADER_H - 14;
  }

  private ensure(height: number): void {
    if (this.y + height > this.bottom) this.doc.addPage();
  }

  async device(t: DeviceTable): Promise<void> {
    const { doc, ctx } = this;
    if (this.first || ctx.def.layout === 'sheet-per-device') doc.addPage();
    else this.ensure(40 + CHART_H);
    if (!this.first && ctx.def.layout === 'table') this.y += 10;
    this.first = false;
    doc.font('Helvetica-Bold').fontSize(11).fillColor('#000').text(`${t.device.name} (${t.device.id})`, MARGIN, this.y, { width: this.width, lineBreak: false });
    this.y += 18;
    this.charts(t);
    this.tableRows(t);
    // Let the file catch up before the next device (pdfkit itself does not wait).
    if (this.file.writableNeedDrain) await once(this.file, 'drain');
  }

  private charts(t: DeviceTable): void {
    const points = this.ctx.def.points;
    const perRow = points.length === 1 ? 1 : points.length === 2 || points.length === 4 ? 2 : 3;
    const gap = 14;
    const w = (this.width - gap * (perRow - 1)) / perRow;
    for (let i = 0; i < points.length; i += perRow) {
      this.ensure(CHART_H + 8);
      for (let j = 0; j < perRow && i + j < points.length; j++) this.chart(t, i + j, MARGIN + j * (w + gap), this.y, w, CHART_H);
      this.y += CHART_H + 10;
    }
  }

  private chart(t: DeviceTable, column: number, x: number, y: number, w: number, h: number): void {
    const { doc, ctx } = this;
    const point = ctx.def.points[column]!;
    const values = t.columns[column]!;
    const color = COLORS[column % COLORS.length]!;
    const bars = point.aggregation === 'consumption';
    doc.font('Helvetica').fontSize(7).fillColor('#000').text(columnLabel(point, ctx.labels), x, y, { width: w, lineBreak: false });
    const top = y + 10;
    const plotX = x + 34;
    const plotW = w - 36;
    const plotH = h - 24;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) if (v !== null) (min = Math.min(min, v), max = Math.max(max, v));
    doc.rect(plotX, top, plotW, plotH).lineWidth(0.4).stroke('#999');
    if (min === Infinity) {
      doc.fontSize(7).fillColor('#888').text(ctx.labels.noData, plotX, top + plotH / 2 - 4, { width: plotW, align: 'center', lineBreak: false });
      return;
    }
    if (bars) min = Math.min(0, min);
    if (max === min) (max += 1, min -= bars ? 0 : 1);
    const n = values.length;
    const sx = (i: number) => plotX + (n <= 1 ? plotW / 2 : bars ? ((i + 0.5) * plotW) / n : (i * plotW) / (n - 1));
    const sy = (v: number) => top + plotH - ((v - min) / (max - min)) * plotH;
    if (bars) {
      const bw = Math.max(0.5, (plotW / n) * 0.7);
      values.forEach((v, i) => { if (v !== null) doc.rect(sx(i) - bw / 2, Math.min(sy(v), sy(0)), bw, Math.abs(sy(0) - sy(v))).fill(color); });
    } else {
      let open = false;
      values.forEach((v, i) => {
        if (v === null) return void (open = false);
        if (open) doc.lineTo(sx(i), sy(v));
        else doc.moveTo(sx(i), sy(v));
        open = true;
      });
      doc.lineWidth(0.8).stroke(color);
      if (values.filter((v) => v !== null).length < 3) values.forEach((v, i) => { if (v !== null) doc.circle(sx(i), sy(v), 1.2).fill(color); });
    }
    const lang = ctx.def.language;
    doc.fontSize(6).fillColor('#444');
    doc.text(formatValue(max, lang, point.decimals), x, top - 2, { width: 32, align: 'right', lineBreak: false });
    doc.text(formatValue(min, lang, point.decimals), x, top + plotH - 6, { width: 32, align: 'right', lineBreak: false });
    doc.text(this.timeLabels[0] ?? '', plotX, top + plotH + 2, { width: plotW / 2, lineBreak: false });
    doc.text(this.timeLabels[n - 1] ?? '', plotX + plotW / 2, top + plotH + 2, { width: plotW / 2, align: 'right', lineBreak: false });
  }

  private tableRows(t: DeviceTable): void {
    const { doc, ctx } = this;
    const points = ctx.def.points;
    const timeW = ctx.def.interval === '1d' || ctx.def.interval === '1mo' ? 70 : 90;
    const colW = Math.min(130, (this.width - timeW) / Math.max(1, points.length));
    const header = () => {
      doc.font('Helvetica-Bold').fontSize(7).fillColor('#000');
      doc.text(ctx.labels.time, MARGIN, this.y, { width: timeW, lineBreak: false });
      points.forEach((p, i) => doc.text(columnLabel(p, ctx.labels), MARGIN + timeW + i * colW, this.y, { width: colW - 4, align: 'right', lineBreak: false }));
      this.y += ROW_H;
      doc.moveTo(MARGIN, this.y - 2).lineTo(MARGIN + timeW + points.length * colW, this.y - 2).lineWidth(0.3).stroke('#999');
      doc.font('Helvetica').fontSize(7).fillColor('#000');
    };
    this.ensure(ROW_H * 3);
    header();
    for (let r = 0; r < t.times.length; r++) {
      if (this.y + ROW_H > this.bottom) {
        doc.addPage();
        header();
      }
      doc.text(this.timeLabels[r]!, MARGIN, this.y, { width: timeW, lineBreak: false });
      points.forEach((p, i) => doc.text(formatValue(t.columns[i]![r] ?? null, ctx.def.language, p.decimals), MARGIN + timeW + i * colW, this.y, { width: colW - 4, align: 'right', lineBreak: false }));
      this.y += ROW_H;
    }
  }

  async finish(): Promise<void> {
    if (this.first) {
      this.doc.addPage();
      this.doc.font('Helvetica').fontSize(9).text(this.ctx.labels.noData, MARGIN, this.y);
    }
    const closed = once(this.file, 'close');
    this.doc.end();
    await closed;
  }

  async abort(): Promise<void> {
    return this.finish().catch(() => undefined);
  }
}
