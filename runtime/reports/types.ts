// Report definitions, runs and their events: the shapes the store, the service, the node and the HTTP API
// share. Declared once here; checked once in definition-validation.ts.
import type { DeviceSelection } from '../devices/device.ts';

export type ReportLanguage = 'en' | 'de' | 'da' | 'sv';
export const REPORT_LANGUAGES: readonly ReportLanguage[] = ['en', 'de', 'da', 'sv'];

export type PeriodPreset =
  | 'today' | 'yesterday'
  | 'this-week' | 'last-week'
  | 'this-month' | 'last-month'
  | 'this-quarter' | 'last-quarter'
  | 'this-year' | 'last-year';
export const PERIOD_PRESETS: readonly PeriodPreset[] = [
  'today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'this-year', 'last-year',
];

/**
 * The period a report covers, in the utility's time zone. Presets are calendar periods relative to the run's
 * reference time (a scheduled run's due time, or now): "this-…" ends at the reference time, "last-…" is the
 * whole previous period. Weeks start on Monday (ISO). Rolling N days = the N complete days before today.
 */
export type ReportPeriod =
  | { preset: PeriodPreset }
  | { rollingDays: number }
  | { from: string; to: string };

export type ReportAggregation = 'avg' | 'min' | 'max' | 'last' | 'consumption';
export const REPORT_AGGREGATIONS: readonly ReportAggregation[] = ['avg', 'min', 'max', 'last', 'consumption'];

export type ReportInterval = '15m' | '1h' | '1d' | '1mo';
export const REPORT_INTERVALS: readonly ReportInterval[] = ['15m', '1h', '1d', '1mo'];

export type ReportFormat = 'csv' | 'xlsx' | 'pdf' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['csv', 'xlsx', 'pdf', 'html'];

/** one-sheet-per-device: an XLSX sheet and a PDF section per device; table: one long table (device, time, points). */
export type ReportLayout = 'sheet-per-device' | 'table';
export const REPORT_LAYOUTS: readonly ReportLayout[] = ['sheet-per-device', 'table'];

export interface ReportPoint {
  /** Point key, e.g. heat_energy_kwh. */
  key: string;
  aggregation: ReportAggregation;
  /** Column heading; default "<key> (<aggregation>)". */
  label?: string;
  /** Decimals shown in PDF/HTML/CSV (XLSX keeps full precision with this display format); default 2. */
  decimals?: number;
}

export interface CsvOptions {
  /** Prepend a UTF-8 byte order mark (Excel on Windows needs it to read UTF-8). Default false. */
  bom?: boolean;
  /** BCP 47 locale for the decimal separator, e.g. "de-DE" writes 12,5. Default: "." (machine readable). */
  numberLocale?: string;
  /** Field separator; default ',' or ';' when the number locale's decimal separator is a comma. */
  delimiter?: ',' | ';' | '\t';
}

export interface ReportSchedule {
  /** Five-field cron expression (minute hour day-of-month month day-of-week) or @daily/@weekly/@monthly/@yearly/@hourly. */
  cron: string;
  /** Default true. */
  enabled?: boolean;
}

export interface ReportDelivery {
  /** Mail receivers; empty = no mail. */
  email?: { to: string[]; subject?: string };
  /** Keep the files in the data directory for download (default true, 30 days). */
  store?: { retentionDays?: number } | false;
}

export interface ReportDefinitionInput {
  id?: string;
  title: string;
  period: ReportPeriod;
  devices: DeviceSelection;
  points: ReportPoint[];
  interval: ReportInterval;
  layout?: ReportLayout;
  language?: ReportLanguage;
  formats: ReportFormat[];
  csv?: CsvOptions;
  schedule?: ReportSchedule | null;
  delivery?: ReportDelivery;
  description?: string;
}

export interface ReportDefinition {
  id: string;
  title: string;
  description: string;
  period: ReportPeriod;
  devices: DeviceSelection;
  points: Array<Required<Pick<ReportPoint, 'key' | 'aggregation' | 'decimals'>> & { label: string }>;
  interval: ReportInterval;
  layout: ReportLayout;
  language: ReportLanguage;
  formats: ReportFormat[];
  csv: CsvOptions;
  schedule: ReportSchedule | null;
  delivery: { email: { to: string[]; subject?: string } | null; store: { retentionDays: number } | null };
  createdAt: number;
  updatedAt: number;
}

export type RunTrigger = 'manual' | 'schedule' | 'catch-up';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type DeliveryState = 'pending' | 'sent' | 'failed';

export interface ReportFile {
  name: string;
  format: ReportFormat;
  bytes: number;
  contentType: string;
  /** False once the retention period removed it. */
  available: boolean;
}

export interface ReportDeliveryStatus {
  kind: 'mail';
  to: string;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  sentAt: number | null;
}

export interface ReportRun {
  id: string;
  definitionId: string | null;
  title: string;
  trigger: RunTrigger;
  /** Due time of a scheduled run (the reference time of its period). */
  scheduledFor: number | null;
  status: RunStatus;
  period: { from: number; to: number };
  devices: number;
  /** Devices written so far. */
  progress: { done: number; total: number };
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  error: string | null;
  files: ReportFile[];
  deliveries: ReportDeliveryStatus[];
  expiresAt: number | null;
}

export type ReportEvent =
  | { type: 'queued' | 'started' | 'succeeded' | 'failed'; run: ReportRun }
  | { type: 'progress'; runId: string; definitionId: string | null; done: number; total: number }
  | { type: 'delivery'; runId: string; to: string; state: DeliveryState; error: string | null };

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
};
