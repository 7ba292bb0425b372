// One report generation: the device tables stream from the historian once and feed every chosen format's
// writer side by side; progress is reported per device. Files go to one directory per run.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from '../devices/device.ts';
import type { Historian } from '../historian/historian.ts';
import { deviceTables, reportTimes } from './report-data.ts';
import type { ReportTexts } from './report-text.ts';
import { CONTENT_TYPES, type ReportDefinition, type ReportFile, type ReportFormat } from './types.ts';
import type { FormatWriter, RenderContext } from './writers/format-writer.ts';
import { CsvWriter } from './writers/csv-writer.ts';
import { XlsxWriter } from './writers/xlsx-writer.ts';
import { PdfWriter } from './writers/pdf-writer.ts';
import { HtmlWriter } from './writers/html-writer.ts';

export interface GenerateInput {
  historian: Historian;
  texts: ReportTexts;
  def: ReportDefinition;
  devices: readonly Pick<Device, 'id' | 'name'>[];
  from: number;
  to: number;
  timeZone: string;
  generatedAt: number;
  utility: string;
  dir: string;
  /** Devices per historian call. */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateOutput {
  files: ReportFile[];
  /** Tables for the mail body when the definition asks for HTML, else ''. */
  mailHtml: string;
}

/** "Heat energy North" → "heat-energy-north"; file names stay portable. */
export function fileStem(title: string): string {
  return title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'report';
}

export async function generateReport(input: GenerateInput): Promise<GenerateOutput> {
  const { def } = input;
  mkdirSync(input.dir, { recursive: true });
  const times = reportTimes(def, input.from, input.to, input.timeZone);
  const ctx: RenderContext = {
    def, timeZone: input.timeZone, from: input.from, to: input.to, times, generatedAt: input.generatedAt, utility: input.utility,
    deviceCount: input.devices.length, labels: input.texts.labels(def.language), texts: input.texts,
  };
  const stem = fileStem(def.title);
  const names: Partial<Record<ReportFormat, string>> = {};
  const writers: FormatWriter[] = [];
  let html: HtmlWriter | null = null;
  for (const format of def.formats) {
    const name = `${stem}.${format}`;
    names[format] = name;
    const path = join(input.dir, name);
    if (format === 'csv') {
      const w = new CsvWriter(path, ctx);
      await w.start();
      writers.push(w);
    } else if (format === 'xlsx') {
      const w = new XlsxWriter(path, ctx);
      await w.start();
      writers.push(w);
    } else if (format === 'pdf') writers.push(new PdfWriter(path, ctx));
    else {
      html = new HtmlWriter(path, ctx);
      await html.start();
      writers.push(html);
    }
  }
  let done = 0;
  try {
    for await (const table of deviceTables(input.historian, def, input.devices, input.from, input.to, input.timeZone, input.batch)) {
      for (const w of writers) await w.device(table);
      done++;
      input.onProgress?.(done, input.devices.length);
    }
    for (const w of writers) await w.finish();
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    rmSync(input.dir, { recursive: true, force: true });
    throw err;
  }
  const files: ReportFile[] = def.formats.map((format) => ({
    name: names[format]!, format, bytes: statSync(join(input.dir, names[format]!)).size, contentType: CONTENT_TYPES[format], available: true,
  }));
  return { files, mailHtml: html?.mailBody() ?? '' };
}
