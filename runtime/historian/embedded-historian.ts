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

type Keyed = { sid: number; x: Sample };
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
  /** (device, point) → series id, mirrored from the `series` table. */
  private readonly ids = new Map<string, number>();
  /** Latest stored sample per series id, in memory; written back to `series` by the hourly sweep and close(). */
  private readonly latestBySid = new Map<number, Sample>();
  private readonly latestDirty = new Set<number>();
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
    this.loadSeries();
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
    try {
      this.writeBackLatest();
    } catch (err) {
      this.log.warn(`could not write back latest values (they are found again from the samples at start): ${(err as Error).message}`);
    }
    this.db.close();
    this.db = null;
  }

  private async store(batch: Batch): Promise<void> {
    if (!this.db) return;
    try {
      // Series ids first (new series are registered in their own small transaction), then the whole batch in
      // key order (series, ts): B-tree inserts walk each tree once, and the samples of one series and quarter
      // are next to each other, so they are rolled up into one quarter upsert and one latest update.
      const rows = this.keyed(batch.samples);
      for (let i = 0; i < rows.length; i += CHUNK) {
        if (i > 0) await yieldToLoop();
        let newest: Array<[number, Sample]> = [];
        this.transaction(() => {
          newest = this.storeSamples(rows.slice(i, i + CHUNK));
        });
        for (const [sid, x] of newest) {
          const seen = this.latestBySid.get(sid);
          if (!seen || x.ts >= seen.ts) {
            this.latestBySid.set(sid, x);
            this.latestDirty.add(sid);
          }
        }
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

  /** The batch's samples with their series ids, sorted by (sid, ts); stable, so a re-send stays after the first one. */
  private keyed(samples: Sample[]): Keyed[] {
    const rows: Keyed[] = new Array(samples.length);
    const fresh = new Map<string, Sample>();
    for (const x of samples) {
      const key = seriesKey(x.device, x.point);
      if (!this.ids.has(key)) fresh.set(key, x);
    }
    if (fresh.size) {
      const ids: Array<[string, number]> = [];
      this.transaction(() => {
        for (const [key, x] of fresh) ids.push([key, Number((this.sql.insertSeries.get(x.device, x.point) as { id: number }).id)]);
      });
      for (const [key, id] of ids) this.ids.set(key, id);
    }
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      rows[i] = { sid: this.ids.get(seriesKey(x.device, x.point))!, x };
    }
    return rows.sort((a, b) => a.sid - b.sid || a.x.ts - b.x.ts);
  }

  /** Stores one chunk; returns the newest sample of each series in it (for the latest values, once committed). */
  private storeSamples(rows: Keyed[]): Array<[number, Sample]> {
    const s = this.sql;
    // New samples are rolled up per (series, quarter) here and upserted once per batch; a corrected
    // sample makes its quarter be recomputed from the stored samples instead.
    const quarters = new Map<number, Map<number, { n: number; sum: number; min: number; max: number; last: number; lastTs: number }>>();
    const corrected = new Map<number, Set<number>>();
    let prevSid = -1;
    let newest: Sample | null = null;
    const latest: Array<[number, Sample]> = [];
    const flushLatest = () => {
      if (newest) latest.push([prevSid, { device: newest.device, point: newest.point, ts: newest.ts, value: newest.value, quality: newest.quality }]);
    };
    for (const { sid, x } of rows) {
      if (sid !== prevSid) {
        flushLatest();
        prevSid = sid;
        newest = null;
      }
      const q = x.ts - (((x.ts % QUARTER_MS) + QUARTER_MS) % QUARTER_MS);
      if (s.insertSample.run(sid, x.ts, x.value, x.quality).changes === 1) {
        if (x.value !== null) {
          let perSeries = quarters.get(sid);
          if (!perSeries) quarters.set(sid, (perSeries = new Map()));
          const a = perSeries.get(q);
          if (!a) perSeries.set(q, { n: 1, sum: x.value, min: x.value, max: x.value, last: x.value, lastTs: x.ts });
          else {
            a.n++;
            a.sum += x.value;
            if (x.value < a.min) a.min = x.value;
            if (x.value > a.max) a.max = x.value;
            if (x.ts >= a.lastTs) { a.last = x.value; a.lastTs = x.ts; }
          }
        }
      } else if (s.correctSample.run(x.value, x.quality, sid, x.ts, x.value, x.quality).changes === 1) {
        let set = corrected.get(sid);
        if (!set) corrected.set(sid, (set = new Set()));
        set.add(q);
      }
      if (!newest || x.ts >= newest.ts) newest = x;
    }
    flushLatest();
    for (const [sid, perSeries] of quarters) {
      const fix = corrected.get(sid);
      for (const [q, a] of perSeries) if (!fix?.has(q)) s.addToQuarter.run(sid, q, a.n, a.sum, a.min, a.max, a.last, a.lastTs);
    }
    for (const [sid, set] of corrected) {
      for (const q of set) {
        s.recomputeQuarter.run(sid, q, q + QUARTER_MS);
        s.deleteEmptyQuarters.run(sid, q);
      }
    }
    return latest;
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
      // Before samples expire, so a series that goes quiet keeps its latest value.
      this.writeBackLatest();
      const now = Date.now();
      const liveCutoff = now - this.options.liveRetentionDays * DAY_MS;
      const readingsCutoff = now - this.options.readingsRetentionYears * 365.25 * DAY_MS;
      this.transaction(() => {
        for (const sid of this.ids.values()) {
          this.sql.expireSamples.run(sid, liveCutoff);
          this.sql.expireQuarters.run(sid, readingsCutoff);
        }
      });
    } catch (err) {
      this.log.warn(`retention sweep failed: ${(err as Error).message}`);
    }
  }

  /**
   * Series ids and latest values. `series` holds the latest sample as of the last write-back; samples stored
   * after it (the process ended without close()) are found with one key lookup per series.
   */
  private loadSeries(): void {
    const rows = this.sql.allSeries.all() as Array<{ id: number; device: string; point: string; ts: number | null; value: number | null; quality: Quality | null }>;
    for (const r of rows) {
      this.ids.set(seriesKey(r.device, r.point), r.id);
      const newest = this.sql.newestSample.get(r.id) as { ts: number; value: number | null; quality: Quality } | undefined;
      if (newest && (r.ts === null || newest.ts > r.ts)) {
        this.latestBySid.set(r.id, { device: r.device, point: r.point, ...newest });
        this.latestDirty.add(r.id);
      } else if (r.ts !== null) {
        this.latestBySid.set(r.id, { device: r.device, point: r.point, ts: r.ts, value: r.value, quality: r.quality! });
      }
    }
  }

  private writeBackLatest(): void {
    if (!this.latestDirty.size) return;
    this.transaction(() => {
      for (const sid of this.latestDirty) {
        const x = this.latestBySid.get(sid);
        if (x) this.sql.updateLatest.run(x.ts, x.value, x.quality, sid, x.ts);
      }
    });
    this.latestDirty.clear();
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
          const sid = this.ids.get(seriesKey(device, point));
          const rows = sid === undefined ? [] : this.sql.rawRange.all(sid, q.from, q.to) as Array<{ ts: number; value: number | null; quality: Quality }>;
          out.push({ device, point, rows });
        }
      }
      return out;
    }
    const starts = bucketStarts(q.from, q.to, q.interval, q.timeZone);
    for (const device of q.devices) {
      for (const point of q.points) {
        const sid = this.ids.get(seriesKey(device, point)) ?? -1;
        if (q.interval === '1d' || q.interval === '1mo') {
          // Few buckets, many quarters each: let SQLite aggregate each bucket's key range.
          const stmt = { avg: this.sql.bucketAvg, min: this.sql.bucketMin, max: this.sql.bucketMax, last: this.sql.bucketLast }[q.agg];
          out.push({ device, point, rows: starts.map((ts, i) => {
            const r = stmt.get(sid, ts, Math.min(starts[i + 1] ?? q.to, q.to)) as { value: number | null } | undefined;
            return { ts, value: r?.value ?? null };
          }) });
          continue;
        }
        const rows = this.sql.quarterRange.all(sid, starts[0] ?? q.from, q.to) as unknown as QuarterRow[];
        const values = aggregateQuarters(rows, starts, q.to, q.agg);
        out.push({ device, point, rows: starts.map((ts, i) => ({ ts, value: values[i]! })) });
      }
    }
    return out;
  }

  async latest(devices?: string[], points?: string[]): Promise<Sample[]> {
    this.requireDb();
    const out: Sample[] = [];
    if (devices && points) {
      for (const device of devices) {
        for (const point of points) {
          const sid = this.ids.get(seriesKey(device, point));
          const x = sid === undefined ? undefined : this.latestBySid.get(sid);
          if (x) out.push({ ...x });
        }
      }
      return out;
    }
    const deviceSet = devices ? new Set(devices) : null;
    const pointSet = points ? new Set(points) : null;
    for (const x of this.latestBySid.values()) {
      if ((deviceSet && !deviceSet.has(x.device)) || (pointSet && !pointSet.has(x.point))) continue;
      out.push({ ...x });
    }
    return out;
  }

  async consumption(query: ConsumptionQuery): Promise<ConsumptionResult[]> {
    this.requireDb();
    const q = checkConsumptionQuery(query);
    const starts = q.interval ? bucketStarts(q.from, q.to, q.interval, q.timeZone) : [q.from];
    const first = starts[0] ?? q.from;
    const out: ConsumptionResult[] = [];
    for (const device of q.devices) {
      for (const point of q.points) {
        const sid = this.ids.get(seriesKey(device, point)) ?? -1;
        const before = this.sql.lastQuarterBefore.get(sid, first) as { ts: number; last: number } | undefined;
        const rows = this.sql.quarterLasts.all(sid, first, q.to) as unknown as CounterReading[];
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

function seriesKey(device: string, point: string): string {
  return `${device}\u0000${point}`;
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

