// What a report says and how: labels and handlebars templates per language (overridable by the utility in
// <dataDir>/report-templates/), number and time formatting in the utility's zone and the report's language.
import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { offsetMs } from '../historian/buckets.ts';
import type { ReportAggregation, ReportDefinition, ReportInterval, ReportLanguage } from './types.ts';

export const BUILTIN_TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');
export const OVERRIDE_DIR_NAME = 'report-templates';
export const LOCALES: Record<ReportLanguage, string> = { en: 'en-GB', de: 'de-DE', da: 'da-DK', sv: 'sv-SE' };

export interface Labels {
  device: string; deviceId: string; time: string; period: string; generated: string; devices: string; interval: string; timeZone: string;
  page: string; noData: string; attachments: string; truncated: string; download: string;
  aggregations: Record<ReportAggregation, string>;
  intervals: Record<ReportInterval, string>;
}

/**
 * Template lookup, first found wins: <override>/<lang>/<file>, <override>/<file>, <builtin>/<lang>/<file>,
 * <builtin>/<file>. So a utility can replace one language's mail or every language's report layout.
 */
export class ReportTexts {
  private readonly overrideDir: string | null;
  private readonly cache = new Map<string, { source: string; value: unknown }>();

  constructor(overrideDir: string | null) {
    this.overrideDir = overrideDir;
  }

  private find(language: ReportLanguage, file: string): string {
    const dirs = [...(this.overrideDir ? [join(this.overrideDir, language), this.overrideDir] : []), join(BUILTIN_TEMPLATE_DIR, language), BUILTIN_TEMPLATE_DIR];
    for (const dir of dirs) {
      const path = join(dir, file);
      if (existsSync(path)) return path;
    }
    throw new Error(`report template ${file} not found for language ${language}`);
  }

  private load<T>(language: ReportLanguage, file: string, parse: (source: string) => T): T {
    const path = this.find(language, file);
    // Read on every use so that a utility's edit counts at once; compiled again only when the text changed.
    const source = readFileSync(path, 'utf8');
    const hit = this.cache.get(path);
    if (hit && hit.source === source) return hit.value as T;
    const value = parse(source);
    this.cache.set(path, { source, value });
    return value;
  }

  labels(language: ReportLanguage): Labels {
    const builtin = JSON.parse(readFileSync(join(BUILTIN_TEMPLATE_DIR, language, 'labels.json'), 'utf8')) as Labels;
    const chosen = this.load(language, 'labels.json', (s) => JSON.parse(s) as Partial<Labels>);
    return { ...builtin, ...chosen, aggregations: { ...builtin.aggregations, ...chosen.aggregations }, intervals: { ...builtin.intervals, ...chosen.intervals } };
  }

  template(language: ReportLanguage, file: string): HandlebarsTemplateDelegate {
    return this.load(language, file, (s) => Handlebars.compile(s, { strict: false }));
  }

  /** A mail template: subject line, a line "---", then the HTML body. */
  mail(language: ReportLanguage): { subject: HandlebarsTemplateDelegate; body: HandlebarsTemplateDelegate } {
    return this.load(language, 'mail.hbs', (source) => {
      const split = source.indexOf('\n---\n');
      if (split < 0) throw new Error(`report mail template (${language}): expected "subject\\n---\\nbody"`);
      return { subject: Handlebars.compile(source.slice(0, split).trim(), { noEscape: true }), body: Handlebars.compile(source.slice(split + 5)) };
    });
  }
}

export function interpolate(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k] ?? ''));
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A value for people: the report's language, the point's decimals, grouping; null → "". */
export function formatValue(value: number | null, language: ReportLanguage, decimals: number): string {
  if (value === null || !Number.isFinite(value)) return '';
  const key = `${language}/${decimals}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(LOCALES[language], { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  return f.format(value);
}

/** ISO 8601 with the zone's offset, e.g. 2026-03-01T00:00:00+01:00 (the contract for files). */
export function isoLocal(ts: number, timeZone: string): string {
  const offset = offsetMs(ts, timeZone);
  const local = new Date(ts + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Short local time for tables: the date for day/month buckets, date and time otherwise. */
export function displayTime(ts: number, interval: ReportInterval, timeZone: string): string {
  const iso = isoLocal(ts, timeZone);
  if (interval === '1mo') return iso.slice(0, 7);
  if (interval === '1d') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

const longFormats = new Map<string, Intl.DateTimeFormat>();
export function formatDateTime(ts: number, language: ReportLanguage, timeZone: string, withTime = true): string {
  const key = `${language}/${timeZone}/${withTime}`;
  let f = longFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { timeZone, year: 'numeric', month: 'short', day: 'numeric', ...(withTime ? { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } : {}) });
    longFormats.set(key, f);
  }
  return f.format(ts);
}

/** "1 Mar 2026 – 31 Mar 2026": the last day shown is the one before `to` (periods are half-open). */
export function periodLabel(from: number, to: number, language: ReportLanguage, timeZone: string): string {
  const wholeDays = isoLocal(from, timeZone).slice(11, 19) === '00:00:00' && isoLocal(to, timeZone).slice(11, 19) === '00:00:00';
  if (wholeDays) return `${formatDateTime(from, language, timeZone, false)} – ${formatDateTime(to - 1, language, timeZone, false)}`;
  return `${formatDateTime(from, language, timeZone)} – ${formatDateTime(to, language, timeZone)}`;
}

export function columnLabel(point: ReportDefinition['points'][number], labels: Labels): string {
  return point.label === `${point.key} (${point.aggregation})` ? `${point.key} (${labels.aggregations[point.aggregation]})` : point.label;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
