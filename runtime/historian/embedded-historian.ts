// The embedded historian: node:sqlite in the data directory (historian.db), for laptops, demos and small
// sites. Writes are queued in memory and stored by a timer in chunked transactions, yielding between
// chunks so a large fleet tick does not stall the event loop.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PollPayload, Quality, Sample } from '../readings.ts';
import { createLogger, type Logger } from '../log.ts';
import {
  DEFAULTS, QUARTER_MS, type AlarmEvent, type AlarmEventQuery, type AuditEntry, type AuditQuery, type ConsumptionQuery,
  type ConsumptionResult, type Historian, type HistorianHealth, type HistorianOptions, type RangeQuery, type SeriesResult,
} from './historian.ts';
import { EMBEDDED_MIGRATIONS, EMBEDDED_SQL } from './embedded-schema.ts';
import { PendingWrites, type Batch } from './pending-writes.ts';
import { aggregateQuarters, type QuarterRow } from './aggregate.ts';
import { bucketStarts } from './buckets.ts';
import { counterConsumption, type CounterReading } from './counters.ts';
import { checkRangeQuery, checkConsumptionQuery, auditValueFromText, auditValueToText } from './query-checks.ts';

const CHUNK = 20_000;
const RETENTION_SWEEP_MS = 3600_000;
const DAY_MS = 86_400_000;

type Statements = { [K in keyof typeof EMBEDDED_SQL]: StatementSync };

export class EmbeddedHistorian implements Historian {
  readonly backend = 'embedded' as const;
  readonly path: string;
  private db: DatabaseSync | null = null;
  private sql!: Statements;
  private readonly pending: PendingWrites;
  private readonly log: Logger;
  private readonly options: Required<HistorianOptions>;
  private timer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private written = 0;
  private lastError: string | null = null;

  constructor(dataDir: string, options: HistorianOptions = {}, log: Logger = createLogger('historian')) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'historian.db');
    this.log = log;
    this.pending = new PendingWrites(log);
    this.options = { ...DEFAULTS, ...options };
  }

  async start(): Promise<void> {
    const db = new DatabaseSync(this.path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -131072;');
    const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    for (const m of EMBEDDED_MIGRATIONS.filter((m) => m.version > current)) {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(m.sql);
        db.exec(`PRAGMA user_version = ${m.version}`);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    }
    this.db = db;
    this.sql = Object.fromEntries(Object.entries(EMBEDDED_SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Statements;
    this.timer = setInterval(() => void this.flush().catch(() => {}), this.options.flushIntervalMs);
    this.timer.unref();
    this.sweepTimer = setInterval(() => this.expire(), RETENTION_SWEEP_MS);
    this.sweepTimer.unref();
    this.expire();
    this.log.info(`embedded historian at ${this.path} (live samples kept ${this.options.liveRetentionDays} days, 15-minute readings ${this.options.readingsRetentionYears} years)`);
  }

  writePoll(payload: PollPayload): void {
    this.pending.addPoll(payload);
  }
  writeSamples(samples: readonly Sample[]): void {
    this.pending.addSamples(samples);
  }
  writeAlarmEvents(events: readonly AlarmEvent[]): void {
    this.pending.addAlarms(events);
  }
  writeAudit(entries: readonly AuditEntry[]): void {
    this.pending.addAudit(entries);
  }

  flush(): Promise<void> {
    // Flushes run one after another, so a caller's flush() also waits for the one in progress.
    this.flushing = this.flushing.then(() => this.store(this.pending.take()));
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.timer = this.sweepTimer = null;
    if (!this.db) return;
    await this.flush();
    this.db.close();
    this.db = null;
  }

  private async store(batch: Batch): Promise<void> {
    if (!this.db) return;
    try {
      for (let i = 0; i < batch.samples.length; i += CHUNK) {
        if (i > 0) await yieldToLoop();
        this.transaction(() => this.storeSamples(batch.samples.slice(i, i + CHUNK)));
      }
      this.transaction(() => {
        for (const e of batch.alarms) {
          this.sql.insertAlarm.run(e.ts, e.alarmId, e.ruleId ?? '', e.device, e.point ?? '', e.stateFrom ?? '', e.stateTo, e.priority ?? 0,
            e.value ?? null, e.limit ?? null, e.user ?? null, e.comment ?? null);
        }
        for (const a of batch.audit) {
          this.sql.insertAudit.run(a.ts, a.actor, a.action, a.device ?? '', a.point ?? '', auditValueToText(a.oldValue), auditValueToText(a.newValue),
            a.outcome ?? '', a.detail ?? null);
        }
      });
      this.written += batch.samples.length + batch.alarms.length + batch.audit.length;
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.pending.dropped += batch.samples.length + batch.alarms.length + batch.audit.length;
      this.log.error(`embedded historian could not store a batch: ${this.lastError}`);
    }
  }

  private storeSamples(samples: Sample[]): void {
    const s = this.sql;
    const newest = new Map<string, Sample>();
    const corrected = new Map<string, { device: string; point: string; ts: number }>();
    for (const x of samples) {
      if (s.insertSample.run(x.device, x.point, x.ts, x.value, x.quality).changes === 1) {
        if (x.value !== null) {
          const q = x.ts - (((x.ts % QUARTER_MS) + QUARTER_MS) % QUARTER_MS);
          s.addToQuarter.run(x.device, x.point, q, x.value, x.value, x.value, x.value, x.ts);
        }
      } else if (s.correctSample.run(x.value, x.quality, x.device, x.point, x.ts, x.value, x.quality).changes === 1) {
        const q = x.ts - (((x.ts % QUARTER_MS) + QUARTER_MS) % QUARTER_MS);
        corrected.set(`${x.device}\u0000${x.point}\u0000${q}`, { device: x.device, point: x.point, ts: q });
      }
      const key = `${x.device}\u0000${x.point}`;
      const seen = newest.get(key);
      if (!seen || x.ts >= seen.ts) newest.set(key, x);
    }
    for (const c of corrected.values()) {
      s.recomputeQuarter.run(c.device, c.point, c.ts, c.ts + QUARTER_MS);
      s.deleteEmptyQuarters.run(c.device, c.point, c.ts);
    }
    for (const x of newest.values()) s.upsertLatest.run(x.device, x.point, x.ts, x.value, x.quality);
  }

  private transaction(work: () => void): void {
    const db = this.db!;
    db.exec('BEGIN');
    try {
      work();
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Retention: per-series range deletes along the primary key (no extra time index to maintain on every write). */
  private expire(): void {
    if (!this.db) return;
    try {
      const now = Date.now();
      const liveCutoff = now - this.options.liveRetentionDays * DAY_MS;
      const readingsCutoff = now - this.options.readingsRetentionYears * 365.25 * DAY_MS;
      const series = this.sql.series.all() as Array<{ device: string; point: string }>;
      this.transaction(() => {
        for (const { device, point } of series) {
          this.sql.expireSamples.run(device, point, liveCutoff);
          this.sql.expireQuarters.run(device, point, readingsCutoff);
        }
      });
    } catch (err) {
      this.log.warn(`retention sweep failed: ${(err as Error).message}`);
    }
  }

  private requireDb(): DatabaseSync {
    if (!this.db) throw new Error('the historian is not started (or already closed)');
    return this.db;
  }

  async queryRange(query: RangeQuery): Promise<SeriesResult[]> {
    this.requireDb();
    const q = checkRangeQuery(query);
    const out: SeriesResult[] = [];
    if (q.interval === 'raw') {
      for (const device of q.devices) {
        for (const point of q.points) {
          const rows = this.sql.rawRange.all(device, point, q.from, q.to) as Array<{ ts: number; value: number | null; quality: Quality }>;
          out.push({ device, point, rows });
        }
      }
      return out;
    }
    const starts = bucketStarts(q.from, q.to, q.interval, q.timeZone);
    for (const device of q.devices) {
      for (const point of q.points) {
        if (q.interval === '1d' || q.interval === '1mo') {
          // Few buckets, many quarters each: let SQLite aggregate each bucket's key range.
          out.push({ device, point, rows: starts.map((ts, i) => {
            const r = this.sql.bucketAggregate.get(device, point, ts, Math.min(starts[i + 1] ?? q.to, q.to)) as { n: number | null; sum: number; min: number; max: number; last: number | null };
            const value = !r.n ? null : q.agg === 'avg' ? r.sum / r.n : q.agg === 'last' ? r.last : r[q.agg];
            return { ts, value };
          }) });
          continue;
        }
        const rows = this.sql.quarterRange.all(device, point, starts[0] ?? q.from, q.to) as unknown as QuarterRow[];
        const values = aggregateQuarters(rows, starts, q.to, q.agg);
        out.push({ device, point, rows: starts.map((ts, i) => ({ ts, value: values[i]! })) });
      }
    }
    return out;
  }

  async latest(devices?: string[], points?: string[]): Promise<Sample[]> {
    const db = this.requireDb();
    const where: string[] = [];
    const args: string[] = [];
    if (devices) {
      where.push(`device IN (SELECT value FROM json_each(?))`);
      args.push(JSON.stringify(devices));
    }
    if (points) {
      where.push(`point IN (SELECT value FROM json_each(?))`);
      args.push(JSON.stringify(points));
    }
    const sql = `SELECT device, point, ts, value, quality FROM latest${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    return db.prepare(sql).all(...args) as unknown as Sample[];
  }

  async consumption(query: ConsumptionQuery): Promise<ConsumptionResult[]> {
    this.requireDb();
    const q = checkConsumptionQuery(query);
    const starts = q.interval ? bucketStarts(q.from, q.to, q.interval, q.timeZone) : [q.from];
    const first = starts[0] ?? q.from;
    const out: ConsumptionResult[] = [];
    for (const device of q.devices) {
      for (const point of q.points) {
        const before = this.sql.lastQuarterBefore.get(device, point, first) as { ts: number; last: number } | undefined;
        const rows = this.sql.quarterLasts.all(device, point, first, q.to) as unknown as CounterReading[];
        const readings = before ? [{ ts: before.ts, value: before.last }, ...rows] : rows;
        const c = counterConsumption(readings, starts, q.to);
        out.push({ device, point, total: c.total, resets: c.resets, buckets: q.interval ? starts.map((ts, i) => ({ ts, value: c.perBucket[i]! })) : [] });
      }
    }
    return out;
  }

  async queryAlarmEvents(query: AlarmEventQuery): Promise<AlarmEvent[]> {
    const db = this.requireDb();
    const { where, args } = filters(query.from, query.to, [['device', query.devices], ['alarm_id', query.alarmIds], ['rule_id', query.ruleIds]]);
    const rows = db.prepare(`SELECT * FROM alarm_journal WHERE ${where} ORDER BY ts, alarm_id LIMIT ?`).all(...args, query.limit ?? DEFAULTS.queryLimit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      ts: r.ts as number, alarmId: r.alarm_id as string, ruleId: r.rule_id as string, device: r.device as string,
      point: (r.point as string) || null, stateFrom: r.state_from as string, stateTo: r.state_to as string, priority: r.priority as number,
      value: r.value as number | null, limit: r.limit_value as number | null, user: r.user_name as string | null, comment: r.comment as string | null,
    }));
  }

  async queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const db = this.requireDb();
    const { where, args } = filters(query.from, query.to, [['actor', query.actors], ['action', query.actions], ['device', query.devices]]);
    const rows = db.prepare(`SELECT * FROM audit_log WHERE ${where} ORDER BY ts, actor LIMIT ?`).all(...args, query.limit ?? DEFAULTS.queryLimit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      ts: r.ts as number, actor: r.actor as string, action: r.action as string, device: (r.device as string) || null, point: (r.point as string) || null,
      oldValue: auditValueFromText(r.old_value as string | null), newValue: auditValueFromText(r.new_value as string | null),
      outcome: r.outcome as string, detail: r.detail as string | null,
    }));
  }

  health(): HistorianHealth {
    return {
      ok: this.db !== null && this.lastError === null,
      backend: 'embedded',
      reachable: this.db !== null,
      pending: this.pending.size,
      bufferDepth: 0,
      bufferBytes: 0,
      bufferLimitBytes: 0,
      written: this.written,
      dropped: this.pending.dropped,
      lastError: this.lastError,
      path: this.path,
      liveRetentionDays: this.options.liveRetentionDays,
      readingsRetentionYears: this.options.readingsRetentionYears,
    };
  }
}

function filters(from: number, to: number, lists: Array<[string, string[] | undefined]>): { where: string; args: Array<string | number> } {
  const where = ['ts >= ?', 'ts < ?'];
  const args: Array<string | number> = [from, to];
  for (const [column, values] of lists) {
    if (!values) continue;
    where.push(`${column} IN (SELECT value FROM json_each(?))`);
    args.push(JSON.stringify(values));
  }
  return { where: where.join(' AND '), args };
}

