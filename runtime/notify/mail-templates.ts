// Mail texts: one handlebars file per language and kind in templates/<lang>/<kind>.hbs, the subject on the
// first line, then a line "---", then the plain-text body. Plain text on purpose: it reads on every phone
// and pager gateway. Times are shown in the utility's time zone, in the receiver's language.
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language, Priority } from '../alarms/types.ts';

export type MailKind = 'alarm' | 'return' | 'digest';
export const MAIL_KINDS: readonly MailKind[] = ['alarm', 'return', 'digest'];
export const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');

const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', da: 'da-DK', sv: 'sv-SE' };
const PRIORITY_LABELS: Record<Language, Record<Priority, string>> = {
  en: { low: 'low', medium: 'medium', high: 'HIGH', critical: 'CRITICAL' },
  de: { low: 'niedrig', medium: 'mittel', high: 'HOCH', critical: 'KRITISCH' },
  da: { low: 'lav', medium: 'middel', high: 'HØJ', critical: 'KRITISK' },
  sv: { low: 'låg', medium: 'medel', high: 'HÖG', critical: 'KRITISK' },
};

export interface RenderedMail {
  subject: string;
  text: string;
}

const compiled = new Map<string, { subject: HandlebarsTemplateDelegate; body: HandlebarsTemplateDelegate }>();

function template(language: Language, kind: MailKind, dir: string) {
  const key = `${dir}\u0000${language}\u0000${kind}`;
  let t = compiled.get(key);
  if (!t) {
    const source = readFileSync(join(dir, language, `${kind}.hbs`), 'utf8');
    const split = source.indexOf('\n---\n');
    if (split < 0) throw new Error(`mail template ${language}/${kind}.hbs: expected "subject\\n---\\nbody"`);
    // noEscape: plain-text mail, so no HTML entities; values are ours or the operators' own text.
    t = {
      subject: Handlebars.compile(source.slice(0, split).trim(), { noEscape: true, strict: false }),
      body: Handlebars.compile(source.slice(split + 5), { noEscape: true, strict: false }),
    };
    compiled.set(key, t);
  }
  return t;
}

export function render(language: Language, kind: MailKind, context: Record<string, unknown>, dir = TEMPLATE_DIR): RenderedMail {
  const t = template(language, kind, dir);
  // A subject is one line: a newline in a device name must not start a header.
  return { subject: t.subject(context).replace(/[\r\n]+/g, ' ').slice(0, 250), text: t.body(context) };
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

export function formatTime(ts: number | null, language: Language, timeZone: string): string {
  if (ts === null) return '–';
  const key = `${language}\u0000${timeZone}`;
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
    timeFormats.set(key, f);
  }
  return f.format(ts);
}

export function formatNumber(value: number | null, language: Language): string {
  if (value === null || value === undefined) return '–';
  return new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 2 }).format(value);
}

export function priorityLabel(priority: Priority, language: Language): string {
  return PRIORITY_LABELS[language][priority];
}
