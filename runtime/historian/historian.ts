// The historian: where time series live (live samples, 15-minute readings, alarm journal, audit log).
// One interface, two backends (QuestDB when QUESTDB_URL is set, embedded SQLite otherwise); callers never
// know which one they talk to. Times are epoch milliseconds throughout.
import type { PollPayload, Quality, Sample } from '../readings.ts';

export type Interval = 'raw' | '15m' | '1h' | '1d' | '1mo';
export const INTERVALS: readonly Interval[] = ['raw', '15m', '1h', '1d', '1mo'];
export type Aggregate = 'avg' | 'min' | 'max' | 'last';
export const AGGREGATES: readonly Aggregate[] = ['avg', 'min', 'max', 'last'];

export interface RangeQuery {
  devices: string[];
  points: string[];
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  interval: Interval;
  /** Ignored for 'raw'; default 'avg'. */
  agg?: Aggregate;
  /** IANA zone that day and month buckets (and 15m/1h for zones with odd offsets) align to; default UTC. */
  timeZone?: string;
}

/**
 * One series of a range query. For 'raw' the rows are the stored samples (a poll that failed is a row with
 * value null and its quality; a poll that never happened is no row). For aggregated intervals every bucket
 * in [from, to) is present, in order, and a bucket without data has value null: gaps are gaps.
 */
export interface SeriesResult {
  device: string;
  point: string;
  rows: Array<{ ts: number; value: number | null; quality?: Quality }>;
}

export interface ConsumptionQuery {
  devices: string[];
  /** Monotonic counters, e.g. heat_energy_kwh, volume_m3. */
  points: string[];
  from: number;
  to: number;
  /** Split the period into buckets; omitted means one total for the whole period. */
  interval?: Exclude<Interval, 'raw'>;
  timeZone?: string;
}

export interface ConsumptionResult {
  device: string;
  point: string;
  total: number;
  /** Number of counter drops treated as meter resets (the increase after each still counts). */
  resets: number;
  buckets: Array<{ ts: number; value: number | null }>;
}

/** ISA-18.2 style journal entry: one alarm state transition. */
export interface AlarmEvent {
  ts: number;
  alarmId: string;
  ruleId: string;
  device: string;
  point: string | null;
  stateFrom: string;
  stateTo: string;
  priority: number;
  value: number | null;
  limit: number | null;
  user: string | null;
  comment: string | null;
}

export interface AlarmEventQuery {
  from: number;
  to: number;
  devices?: string[];
  alarmIds?: string[];
  ruleIds?: string[];
  /** Default 10,000; newest first when limited is not what you want, ask a narrower range. */
  limit?: number;
}

export type AuditValue = string | number | boolean | null;

export interface AuditEntry {
  ts: number;
  /** User name, or `token:<id>` for API tokens. */
  actor: string;
  action: string;
  device: string | null;
  point: string | null;
  oldValue: AuditValue;
  newValue: AuditValue;
  outcome: 'ok' | 'refused' | 'failed' | string;
  detail: string | null;
}

export interface AuditQuery {
  from: number;
  to: number;
  actors?: string[];
  actions?: string[];
  devices?: string[];
  limit?: number;
}

export interface HistorianHealth {
  ok: boolean;
  backend: 'questdb' | 'embedded';
  /** Whether the store answered on the last attempt (always true for embedded unless the file failed). */
  reachable: boolean;
  /** Rows accepted but not yet stored (in memory, waiting for the next flush). */
  pending: number;
  /** Rows held in the on-disk store-and-forward buffer (QuestDB only; 0 for embedded). */
  bufferDepth: number;
  bufferBytes: number;
  bufferLimitBytes: number;
  /** Rows stored since start. */
  written: number;
  /** Rows lost since start (rejected as malformed, or dropped when the buffer was full). */
  dropped: number;
  lastError: string | null;
  [detail: string]: unknown;
}

export interface Historian {
  readonly backend: 'questdb' | 'embedded';
  /** Prepares the schema (created or migrated) and starts the background flush. */
  start(): Promise<void>;
  /** Enqueue one poll message as it is. Never blocks, never throws into the poller. */
  writePoll(payload: PollPayload): void;
  /** Enqueue samples. Never blocks, never throws. */
  writeSamples(samples: readonly Sample[]): void;
  writeAlarmEvents(events: readonly AlarmEvent[]): void;
  writeAudit(entries: readonly AuditEntry[]): void;
  /** Stores everything enqueued so far (or, for QuestDB while it is down, moves it to the disk buffer). */
  flush(): Promise<void>;
  /** Flushes, stops timers and closes connections. */
  close(): Promise<void>;
  queryRange(query: RangeQuery): Promise<SeriesResult[]>;
  /** Latest stored sample per (device, point); omitted filters mean all. */
  latest(devices?: string[], points?: string[]): Promise<Sample[]>;
  consumption(query: ConsumptionQuery): Promise<ConsumptionResult[]>;
  queryAlarmEvents(query: AlarmEventQuery): Promise<AlarmEvent[]>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  health(): HistorianHealth;
}

export interface HistorianOptions {
  /** Live samples retention; default 30 days. */
  liveRetentionDays?: number;
  /** 15-minute readings retention; default 10 years. */
  readingsRetentionYears?: number;
  /** Flush period of the in-memory queue; default 1000 ms. */
  flushIntervalMs?: number;
  /** Store-and-forward bound (QuestDB); default 1 GiB. */
  bufferLimitBytes?: number;
}

export const DEFAULTS = {
  liveRetentionDays: 30,
  readingsRetentionYears: 10,
  flushIntervalMs: 1000,
  bufferLimitBytes: 1024 ** 3,
  queryLimit: 10_000,
} as const;

export const QUARTER_MS = 15 * 60_000;
