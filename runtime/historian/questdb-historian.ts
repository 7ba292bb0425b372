// The QuestDB historian: writes with @questdb/nodejs-client (ILP over HTTP), queries over PGWire (pg Pool),
// schema and visibility checks over REST /exec. Every batch is kept until QuestDB acknowledged it: a
// failed flush of the client drops the client's buffer, so on a transient failure our own copy goes to
// the on-disk buffer and is replayed in order (DEDUP keys make the replay idempotent).
import { Sender, SenderOptions, createTransport, type SenderTransport } from '@questdb/nodejs-client';
import pg from 'pg';
import type { PollPayload, Quality, Sample } from '../readings.ts';
import { createLogger, type Logger } from '../log.ts';
import {
  DEFAULTS, type AlarmEvent, type AlarmEventQuery, type AuditEntry, type AuditQuery, type ConsumptionQuery, type ConsumptionResult,
  type Historian, type HistorianHealth, type HistorianOptions, type RangeQuery, type SeriesResult,
} from './historian.ts';
import { LatestCache } from './latest-cache.ts';
import { PendingWrites, batchSize, type Batch } from './pending-writes.ts';
import { DiskBuffer } from './disk-buffer.ts';
import { questdbEndpoints, type QuestDbEndpoints } from './questdb-url.ts';
import { QDB_TABLES as T, questdbSchema } from './questdb-schema.ts';
import { bucketIndex, bucketStarts } from './buckets.ts';
import { counterConsumption, type CounterReading } from './counters.ts';
import { auditValueFromText, auditValueToText, checkConsumptionQuery, checkRangeQuery } from './query-checks.ts';

// Samples go out in requests of at most this many rows, several in flight at once (QuestDB applies each
// request as its own WAL transaction, on its own connection).
const ROWS_PER_REQUEST = 25_000;
const REQUESTS_IN_FLIGHT = 4;
const MAX_BACKOFF_MS = 15_000;
const VISIBLE_TIMEOUT_MS = 20_000;

/** QuestDB answered with a 4xx: re-sending the same rows cannot succeed. */
class RejectedBatch extends Error {}

const SAMPLE_BY: Record<'1h' | '1d' | '1mo', string> = { '1h': '1h', '1d': '1d', '1mo': '1M' };

function lit(s: string): string {
  // Only names reach SQL text (numbers are formatted by us); QuestDB string literals escape ' as ''.
  if (/[\u0000-\u001f]/.test(s)) throw new Error('names must not contain control characters');
  return `'${s.replace(/'/g, "''")}'`;
}
const inList = (column: string, values: readonly string[]) => `${column} IN (${values.map(lit).join(', ')})`;
const tsLit = (ms: number) => `'${new Date(ms).toISOString()}'`;

export class QuestDbHistorian implements Historian {
  readonly backend = 'questdb' as const;
  private readonly endpoints: QuestDbEndpoints;
  private readonly pending: PendingWrites;
  private readonly latestCache = new LatestCache();
  private readonly buffer: DiskBuffer;
  private readonly log: Logger;
  private readonly options: Required<HistorianOptions>;
  private sender: Sender | null = null;
  private ilpOptions: SenderOptions | null = null;
  private transport: SenderTransport | null = null;
  /** Where flush() spends its time (for the benchmark): building + sending requests, waiting until queryable. */
  readonly timings = { sendMs: 0, visibleMs: 0 };
  /** Escaped point names (few, reused by every batch). */
  private readonly ilpNames = new Map<string, string>();
  private pool: pg.Pool;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private schemaReady = false;
  private reachable = false;
  private backoffMs = 0;
  private nextAttempt = 0;
  private written = 0;
  private rejected = 0;
  private lastError: string | null = null;
  private closed = false;

  constructor(url: URL, dataDir: string, options: HistorianOptions = {}, log: Logger = createLogger('historian')) {
    this.endpoints = questdbEndpoints(url);
    this.log = log;
    this.options = { ...DEFAULTS, ...options };
    this.pending = new PendingWrites(log);
    this.buffer = new DiskBuffer(dataDir, this.options.bufferLimitBytes, log);
    const parse = pg.types.getTypeParser;
    this.pool = new pg.Pool({
      ...this.endpoints.pg,
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // QuestDB sends TIMESTAMP WITHOUT TIME ZONE in UTC: read it as UTC epoch ms, whatever process.env.TZ is.
      types: {
        getTypeParser: ((oid: number, format?: string) => {
          if (oid === 1114) return (v: string) => Date.parse(`${v.replace(' ', 'T')}Z`);
          if (oid === 20) return (v: string) => Number(v);
          return parse(oid, format as 'text');
        }) as typeof pg.types.getTypeParser,
      },
    });
    this.pool.on('error', (err) => this.log.debug(`PGWire pool: ${err.message}`));
  }

  async start(): Promise<void> {
    const ilpLog = { log: (level: string, message: unknown) => this.log.debug(`ILP ${level}: ${String(message)}`) } as never;
    this.sender = await Sender.fromConfig(this.endpoints.ilpConfig, ilpLog);
    this.ilpOptions = await SenderOptions.fromConfig(this.endpoints.ilpConfig, ilpLog);
    this.transport = createTransport(this.ilpOptions);
    try {
      await this.ensureSchema();
    } catch (err) {
      // The runtime still starts: writes are kept on disk, and the schema is retried before the first send.
      this.log.warn(`QuestDB at ${this.endpoints.httpBase} is not reachable (${(err as Error).message}); readings are kept on disk until it is`);
    }
    this.timer = setInterval(() => void this.runFlush(false).catch(() => {}), this.options.flushIntervalMs);
    this.timer.unref();
    this.log.info(`QuestDB historian at ${this.endpoints.httpBase} (PGWire ${this.endpoints.pg.host}:${this.endpoints.pg.port}, buffer ${this.buffer.path})`);
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

  /** Sends (or buffers) everything pending and, while QuestDB is up, waits until the rows are queryable. */
  flush(): Promise<void> {
    return this.runFlush(true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.runFlush(false);
    this.closed = true;
    await this.chain;
    await this.sender?.close().catch(() => {});
    await this.transport?.close().catch(() => {});
    await this.pool.end().catch(() => {});
    this.buffer.close();
  }

  private runFlush(waitVisible: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.chain = this.chain.then(() => this.flushOnce(waitVisible));
    return this.chain;
  }

  private async flushOnce(waitVisible: boolean): Promise<void> {
    const batch = this.pending.take();
    this.latestCache.note(batch.samples);
    let sent = false;
    // Order is kept: while anything waits on disk, new batches queue up behind it.
    if (this.buffer.rows > 0 || !this.reachableNow()) {
      if (batchSize(batch) > 0) this.buffer.append(batch);
    } else if (batchSize(batch) > 0) {
      sent = await this.sendOrKeep(batch);
    }
    if (this.buffer.rows > 0 && this.reachableNow()) sent = (await this.drain()) || sent;
    if (waitVisible && sent && this.reachable) {
      const t = performance.now();
      await this.waitVisible().catch((err) => this.log.debug(`visibility check: ${(err as Error).message}`));
      this.timings.visibleMs += performance.now() - t;
    }
  }

  /** False while backing off after a failure (so an outage costs one probe per backoff period, not one per flush). */
  private reachableNow(): boolean {
    return this.reachable || Date.now() >= this.nextAttempt;
  }

  private async sendOrKeep(batch: Batch): Promise<boolean> {
    try {
      await this.send(batch);
      return true;
    } catch (err) {
      if (err instanceof RejectedBatch) {
        this.rejected += batchSize(batch);
        this.lastError = err.message;
        this.log.error(`QuestDB rejected a batch of ${batchSize(batch)} rows; they are dropped: ${err.message}`);
        return false;
      }
      this.buffer.append(batch);
      return false;
    }
  }

  private async drain(): Promise<boolean> {
    let sent = false;
    for (let next = this.buffer.peek(); next && !this.closed; next = this.buffer.peek()) {
      try {
        await this.send(next.batch);
        sent = true;
      } catch (err) {
        if (!(err instanceof RejectedBatch)) return sent;
        this.rejected += next.rows;
        this.log.error(`QuestDB rejected ${next.rows} buffered rows; they are dropped: ${err.message}`);
      }
      this.buffer.remove(next.id);
      if (this.buffer.rows === 0) this.log.info('store-and-forward buffer replayed completely');
    }
    return sent;
  }

  private async send(batch: Batch): Promise<void> {
    try {
      if (!this.schemaReady) await this.ensureSchema();
      const sender = this.sender!;
      const t = performance.now();
      await this.sendSamples(batch.samples);
      this.timings.sendMs += performance.now() - t;
      if (batch.alarms.length) {
        sender.reset();
        for (const e of batch.alarms) {
          sender.table(T.alarms).symbol('alarm_id', e.alarmId).symbol('rule_id', e.ruleId ?? '').symbol('device', e.device);
          if (e.point) sender.symbol('point', e.point);
          sender.symbol('state_from', e.stateFrom ?? '').symbol('state_to', e.stateTo);
          if (e.user) sender.symbol('user_name', e.user);
          sender.intColumn('priority', Math.trunc(e.priority ?? 0)).floatColumn('value', e.value ?? NaN).floatColumn('limit_value', e.limit ?? NaN);
          if (e.comment !== null && e.comment !== undefined) sender.stringColumn('comment', e.comment);
          await sender.at(e.ts, 'ms');
        }
        await this.flushSender(sender);
      }
      if (batch.audit.length) {
        sender.reset();
        for (const a of batch.audit) {
          sender.table(T.audit).symbol('actor', a.actor).symbol('action', a.action);
          if (a.device) sender.symbol('device', a.device);
          if (a.point) sender.symbol('point', a.point);
          sender.symbol('outcome', a.outcome ?? '');
          const oldText = auditValueToText(a.oldValue);
          const newText = auditValueToText(a.newValue);
          if (oldText !== null) sender.stringColumn('old_value', oldText);
          if (newText !== null) sender.stringColumn('new_value', newText);
          sender.stringColumn('detail', a.detail ?? '');
          await sender.at(a.ts, 'ms');
        }
        await this.flushSender(sender);
      }
      this.written += batchSize(batch);
      if (!this.reachable) this.log.info('QuestDB reachable');
      this.reachable = true;
      this.backoffMs = 0;
      this.lastError = null;
    } catch (err) {
      this.sender?.reset();
      const message = (err as Error).message;
      const status = /statusCode=(\d{3})/.exec(message)?.[1];
      if (status && status.startsWith('4') && status !== '408' && status !== '429') throw new RejectedBatch(message);
      if (this.reachable) this.log.warn(`QuestDB unreachable (${message}); keeping readings in ${this.buffer.path}`);
      this.reachable = false;
      this.lastError = message;
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(1000, this.backoffMs * 2));
      this.nextAttempt = Date.now() + this.backoffMs;
      throw err;
    }
  }

  /**
   * Samples, one table per request (an ILP/HTTP request is one transaction per table). The ILP text is built
   * here rather than with the client's SenderBuffer, whose per-field calls cap serialisation at ~200k rows/s
   * on this machine (this: ~1.5M rows/s); escaping and number/timestamp formats are the client's protocol-1
   * text ones. Rows are split by series, so every re-send or correction of a (ts, device, point) stays in the
   * same request, in order, while requests run in parallel. If any request fails, the whole batch counts as
   * failed and is kept; DEDUP makes the re-send idempotent.
   */
  private async sendSamples(samples: readonly Sample[]): Promise<void> {
    if (!samples.length) return;
    const parts = Math.ceil(samples.length / ROWS_PER_REQUEST);
    const lines: string[][] = Array.from({ length: parts }, () => []);
    const deviceNo = new Map<string, number>();
    const pointNo = new Map<string, number>();
    const prefix = new Map<string, string>();
    const esc = this.ilpNames;
    for (const s of samples) {
      // The request of a series is fixed by (device, point), so one device's year of data still spreads out.
      let d = deviceNo.get(s.device);
      if (d === undefined) deviceNo.set(s.device, (d = deviceNo.size));
      let n = pointNo.get(s.point);
      if (n === undefined) pointNo.set(s.point, (n = pointNo.size));
      const i = (d + n) % parts;
      let device = prefix.get(s.device);
      if (device === undefined) prefix.set(s.device, (device = `${T.samples},device=${ilpEscape(s.device)},point=`));
      let point = esc.get(s.point);
      if (point === undefined) esc.set(s.point, (point = ilpEscape(s.point)));
      // NaN is QuestDB's null for DOUBLE; a sample always carries its quality. Designated timestamp in ns.
      lines[i]!.push(`${device}${point},quality=${ilpEscape(s.quality)} value=${s.value ?? NaN} ${Math.trunc(s.ts)}000000\n`);
    }
    if (esc.size > 100_000) esc.clear();
    const requests = lines.filter((l) => l.length > 0).map((l) => Buffer.from(l.join(''), 'utf8'));
    let next = 0;
    let failure: unknown = null;
    const worker = async () => {
      while (next < requests.length && failure === null) {
        const body = requests[next++]!;
        try {
          await this.guarded(this.transport!.send(body));
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, requests.length) }, worker));
    if (failure !== null) throw failure;
  }

  /** The client's own timeouts should end a flush; this guard makes sure a hung request cannot stall the queue. */
  private flushSender(sender: Sender): Promise<unknown> {
    return this.guarded(sender.flush());
  }

  private async guarded<R>(request: Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ILP flush did not settle within 30 s')), 30_000);
    });
    try {
      return await Promise.race([request, guard]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async exec(sql: string): Promise<{ columns?: Array<{ name: string }>; dataset?: unknown[][]; error?: string }> {
    const headers: Record<string, string> = {};
    if (this.endpoints.authHeader) headers.authorization = this.endpoints.authHeader;
    const res = await fetch(`${this.endpoints.httpBase}/exec?query=${encodeURIComponent(sql)}`, { headers, signal: AbortSignal.timeout(15_000) });
    const body = (await res.json()) as { error?: string; dataset?: unknown[][] };
    if (!res.ok || body.error) throw new Error(`QuestDB: ${body.error ?? res.status} (${sql.slice(0, 80)}…)`);
    return body;
  }

  private async ensureSchema(): Promise<void> {
    for (const ddl of questdbSchema(this.options.liveRetentionDays, this.options.readingsRetentionYears)) await this.exec(ddl);
    this.schemaReady = true;
    this.reachable = true;
  }

  /** WAL commits are applied asynchronously and the 15-minute view refreshes after that: wait for both. */
  private async waitVisible(): Promise<void> {
    const names = Object.values(T).map((n) => `'${n}'`).join(',');
    const deadline = Date.now() + VISIBLE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const wal = await this.exec(`SELECT count() FROM wal_tables() WHERE name IN (${names}) AND writerTxn < sequencerTxn`);
      const view = await this.exec(`SELECT count() FROM materialized_views() WHERE view_name = '${T.readings15m}' AND refresh_base_table_txn < base_table_txn`);
      if (wal.dataset?.[0]?.[0] === 0 && view.dataset?.[0]?.[0] === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    this.log.warn(`QuestDB did not apply the last writes within ${VISIBLE_TIMEOUT_MS} ms`);
  }

  private async query<R>(sql: string): Promise<R[]> {
    return (await this.pool.query(sql)).rows as R[];
  }

  async queryRange(query: RangeQuery): Promise<SeriesResult[]> {
    const q = checkRangeQuery(query);
    const where = `${inList('device', q.devices)} AND ${inList('point', q.points)}`;
    const series = new Map<string, SeriesResult>();
    for (const device of q.devices) for (const point of q.points) series.set(`${device}\u0000${point}`, { device, point, rows: [] });
    if (q.interval === 'raw') {
      const rows = await this.query<{ device: string; point: string; ts: number; value: number | null; quality: Quality }>(
        `SELECT device, point, ts, value, quality FROM ${T.samples} WHERE ${where} AND ts >= ${tsLit(q.from)} AND ts < ${tsLit(q.to)} ORDER BY ts`);
      for (const r of rows) series.get(`${r.device}\u0000${r.point}`)?.rows.push({ ts: r.ts, value: r.value, quality: r.quality });
      return [...series.values()];
    }
    const starts = bucketStarts(q.from, q.to, q.interval, q.timeZone);
    const first = starts[0] ?? q.from;
    let sql: string;
    if (q.interval === '15m') {
      sql = `SELECT device, point, ts, ${q.agg} AS value FROM ${T.readings15m} WHERE ${where} AND ts >= ${tsLit(first)} AND ts < ${tsLit(q.to)}`;
    } else {
      const agg = { avg: 'sum(avg * n) / sum(n)', min: 'min(min)', max: 'max(max)', last: 'last_not_null(last)' }[q.agg];
      sql = `SELECT ts, device, point, ${agg} AS value FROM ${T.readings15m} WHERE ${where} AND ts >= ${tsLit(first)} AND ts < ${tsLit(q.to)}
        SAMPLE BY ${SAMPLE_BY[q.interval]} ALIGN TO CALENDAR TIME ZONE ${lit(q.timeZone)}`;
    }
    for (const s of series.values()) s.rows = starts.map((ts) => ({ ts, value: null }));
    for (const r of await this.query<{ device: string; point: string; ts: number; value: number | null }>(sql)) {
      const s = series.get(`${r.device}\u0000${r.point}`);
      const i = bucketIndex(starts, r.ts);
      if (s && i >= 0 && r.value !== null && Number.isFinite(r.value)) s.rows[i]!.value = r.value;
    }
    return [...series.values()];
  }

  async latest(devices?: string[], points?: string[]): Promise<Sample[]> {
    if (!this.latestCache.complete) {
      // Filled from QuestDB once (retried on the next call if it is unreachable); batches keep it current.
      const all = await this.query<Sample>(`SELECT device, point, ts, value, quality FROM ${T.samples} LATEST ON ts PARTITION BY device, point`);
      this.latestCache.note(all);
      this.latestCache.complete = true;
    }
    return this.latestCache.latest(devices, points);
  }

  async consumption(query: ConsumptionQuery): Promise<ConsumptionResult[]> {
    const q = checkConsumptionQuery(query);
    const starts = q.interval ? bucketStarts(q.from, q.to, q.interval, q.timeZone) : [q.from];
    const first = starts[0] ?? q.from;
    const where = `${inList('device', q.devices)} AND ${inList('point', q.points)} AND last != null`;
    const readings = new Map<string, CounterReading[]>();
    const key = (d: string, p: string) => `${d}\u0000${p}`;
    // The baseline: each counter's last reading before the period.
    for (const r of await this.query<{ device: string; point: string; ts: number; last: number }>(
      `SELECT device, point, ts, last FROM ${T.readings15m} WHERE ${where} AND ts < ${tsLit(first)} LATEST ON ts PARTITION BY device, point`)) {
      readings.set(key(r.device, r.point), [{ ts: r.ts, value: r.last }]);
    }
    for (const r of await this.query<{ device: string; point: string; ts: number; last: number }>(
      `SELECT device, point, ts, last FROM ${T.readings15m} WHERE ${where} AND ts >= ${tsLit(first)} AND ts < ${tsLit(q.to)} ORDER BY ts`)) {
      const k = key(r.device, r.point);
      const list = readings.get(k) ?? [];
      list.push({ ts: r.ts, value: r.last });
      readings.set(k, list);
    }
    const out: ConsumptionResult[] = [];
    for (const device of q.devices) {
      for (const point of q.points) {
        const c = counterConsumption(readings.get(key(device, point)) ?? [], starts, q.to);
        out.push({ device, point, total: c.total, resets: c.resets, buckets: q.interval ? starts.map((ts, i) => ({ ts, value: c.perBucket[i]! })) : [] });
      }
    }
    return out;
  }

  async queryAlarmEvents(query: AlarmEventQuery): Promise<AlarmEvent[]> {
    const where = [`ts >= ${tsLit(query.from)}`, `ts < ${tsLit(query.to)}`];
    if (query.devices) where.push(inList('device', query.devices));
    if (query.alarmIds) where.push(inList('alarm_id', query.alarmIds));
    if (query.ruleIds) where.push(inList('rule_id', query.ruleIds));
    const rows = await this.query<Record<string, unknown>>(
      `SELECT * FROM ${T.alarms} WHERE ${where.join(' AND ')} ORDER BY ts, alarm_id LIMIT ${Math.trunc(query.limit ?? DEFAULTS.queryLimit)}`);
    return rows.map((r) => ({
      ts: r.ts as number, alarmId: r.alarm_id as string, ruleId: r.rule_id as string, device: r.device as string, point: (r.point as string | null) || null,
      stateFrom: r.state_from as string, stateTo: r.state_to as string, priority: r.priority as number, value: nullIfNaN(r.value),
      limit: nullIfNaN(r.limit_value), user: (r.user_name as string | null) ?? null, comment: (r.comment as string | null) ?? null,
    }));
  }

  async queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const where = [`ts >= ${tsLit(query.from)}`, `ts < ${tsLit(query.to)}`];
    if (query.actors) where.push(inList('actor', query.actors));
    if (query.actions) where.push(inList('action', query.actions));
    if (query.devices) where.push(inList('device', query.devices));
    const rows = await this.query<Record<string, unknown>>(
      `SELECT * FROM ${T.audit} WHERE ${where.join(' AND ')} ORDER BY ts, actor LIMIT ${Math.trunc(query.limit ?? DEFAULTS.queryLimit)}`);
    return rows.map((r) => ({
      ts: r.ts as number, actor: r.actor as string, action: r.action as string, device: (r.device as string | null) || null, point: (r.point as string | null) || null,
      oldValue: auditValueFromText(r.old_value as string | null), newValue: auditValueFromText(r.new_value as string | null),
      outcome: r.outcome as string, detail: (r.detail as string | null) || null,
    }));
  }

  health(): HistorianHealth {
    return {
      ok: this.reachable && this.buffer.bytes < this.buffer.limitBytes * 0.8,
      backend: 'questdb',
      reachable: this.reachable,
      pending: this.pending.size,
      bufferDepth: this.buffer.rows,
      bufferBytes: this.buffer.bytes,
      bufferLimitBytes: this.buffer.limitBytes,
      written: this.written,
      dropped: this.pending.dropped + this.rejected + this.buffer.dropped,
      lastError: this.lastError,
      url: this.endpoints.httpBase,
      liveRetentionDays: this.options.liveRetentionDays,
      readingsRetentionYears: this.options.readingsRetentionYears,
    };
  }
}

/** ILP escaping of a table, symbol name or symbol value (as the client's writeEscaped, unquoted). */
function ilpEscape(s: string): string {
  return /[ ,=\n\r\\]/.test(s) ? s.replace(/[ ,=\n\r\\]/g, '\\$&') : s;
}

function nullIfNaN(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
