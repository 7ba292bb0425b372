// ReportService: the facade the host, the report-generator node and the HTTP API use. Definitions and
// runs persist in the config store; runs are generated one at a time in the background (a report can be
// large, the poller must not starve); schedules are cron expressions on the utility's clock and every due
// time runs exactly once, also when the runtime was down at that time (made up on start); mail deliveries
// are queued, retried with backoff and visible per run; stored files expire after their retention period.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync, writeFileSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { ConfigStore } from '../store/config-store.ts';
import type { Historian } from '../historian/historian.ts';
import type { SelectionResolver } from '../devices/selection.ts';
import type { Logger } from '../log.ts';
import { transportFrom, type MailTransport } from '../notify/notifier.ts';
import { parseCron, runsBetween, nextRun } from './cron.ts';
import { resolvePeriod } from './period.ts';
import { ReportError, validateDefinition } from './definition-validation.ts';
import { ReportStore } from './report-store.ts';
import { OVERRIDE_DIR_NAME, ReportTexts, fileSize, formatDateTime, periodLabel } from './report-text.ts';
import { generateReport } from './generate-report.ts';
import type { ReportDefinition, ReportEvent, ReportFile, ReportRun, RunStatus, RunTrigger } from './types.ts';

export interface ReportClock {
  now(): number;
}

export interface ReportServiceOptions {
  store: ConfigStore;
  historian: Historian;
  selections: Pick<SelectionResolver, 'resolve'>;
  timeZone: string;
  dataDir: string;
  /** SMTP_URL or a transport; null = no mail (mail deliveries then fail visibly). */
  smtp: URL | MailTransport | null;
  from?: string;
  /** Shown in report headers; default the config store setting "utility.name", else "Heatgrid". */
  utilityName?: string;
  /** Link to a stored file for mails, e.g. (run, file) => `${publicUrl}/api/v1/reports/runs/${run}/files/${file}`. */
  downloadUrl?: (runId: string, file: string) => string;
  clock?: ReportClock;
  /** Schedule check period (default 5 s); 0 = no timers (tests call tick() and dispatch()). */
  tickMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  /** At most this many missed due times of one definition are made up on start (the newest; default 5). */
  catchUpLimit?: number;
  /** Devices per historian call (default 25). */
  batch?: number;
  log?: Logger;
}

export interface OpenedFile {
  name: string;
  contentType: string;
  bytes: number;
  stream: ReadStream;
}

export interface ReportHealth {
  ok: boolean;
  definitions: number;
  scheduled: number;
  queued: number;
  running: string | null;
  failedRuns24h: number;
  deliveries: { pending: number; failed: number };
  lastError: string | null;
  [detail: string]: unknown;
}

/** Due times older than this when found are marked 'catch-up' rather than 'schedule'. */
const LATE_MS = 2 * 60_000;
const DAY = 86_400_000;

export class ReportService extends EventEmitter {
  readonly runsDir: string;
  private readonly options: ReportServiceOptions;
  private readonly db: ReportStore;
  private readonly clock: ReportClock;
  private readonly texts: ReportTexts;
  private readonly transport: MailTransport | null;
  private readonly from: string;
  private readonly queue: string[] = [];
  private readonly waiters = new Map<string, Array<(run: ReportRun) => void>>();
  private working: Promise<void> | null = null;
  private current: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dispatching: Promise<void> | null = null;
  private lastError: string | null = null;
  private closed = false;
  private lastPrune = 0;

  constructor(options: ReportServiceOptions) {
    super();
    this.options = options;
    this.db = new ReportStore(options.store);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.runsDir = join(options.dataDir, 'reports');
    this.texts = new ReportTexts(join(options.dataDir, OVERRIDE_DIR_NAME));
    const t = transportFrom(options.smtp);
    this.transport = t.transport;
    this.from = options.from ?? t.from ?? 'Heatgrid reports <heatgrid@localhost>';
  }

  // ---- definitions ---------------------------------------------------------------------------------------

  list(): ReportDefinition[] {
    return this.db.listDefinitions();
  }

  get(id: string): ReportDefinition {
    const def = this.db.getDefinition(id);
    if (!def) throw new ReportError('report_not_found', `no report definition "${id}"`);
    return def;
  }

  create(input: unknown): ReportDefinition {
    const now = this.clock.now();
    const def = validateDefinition(input, { timeZone: this.options.timeZone, now });
    if (!this.db.insertDefinition(def, def.schedule?.enabled ? now : null)) throw new ReportError('report_exists', `a report definition "${def.id}" exists`);
    return def;
  }

  /** Replaces a definition (id and creation time kept). A changed schedule counts from now on. */
  update(id: string, input: unknown): ReportDefinition {
    const existing = this.get(id);
    const now = this.clock.now();
    const def = validateDefinition({ ...(input as object), id }, { timeZone: this.options.timeZone, now, existing });
    const sameSchedule = existing.schedule?.cron === def.schedule?.cron && Boolean(existing.schedule?.enabled) === Boolean(def.schedule?.enabled);
    this.db.updateDefinition(def, def.schedule?.enabled ? (sameSchedule ? this.db.scheduleFrom(id) ?? now : now) : null);
    return def;
  }

  /** Deletes a definition; its past runs and files stay until their retention ends. */
  delete(id: string): void {
    if (!this.db.deleteDefinition(id)) throw new ReportError('report_not_found', `no report definition "${id}"`);
  }

  /** The next due time of a definition's schedule, or null. */
  nextDue(id: string): number | null {
    const def = this.get(id);
    if (!def.schedule?.enabled) return null;
    const anchor = Math.max(this.db.lastScheduledFor(id) ?? -Infinity, this.db.scheduleFrom(id) ?? this.clock.now());
    return nextRun(parseCron(def.schedule.cron), anchor, this.options.timeZone);
  }

  // ---- runs ----------------------------------------------------------------------------------------------

  /**
   * Queues a run of a stored definition (by id) or of an inline definition (validated, not stored); resolves
   * with the queued run at once. `reference` moves "now" for the period (e.g. re-run last month's report).
   */
  runNow(definition: string | Record<string, unknown>, options: { reference?: number } = {}): ReportRun {
    const now = this.clock.now();
    const def = typeof definition === 'string' ? this.get(definition) : validateDefinition(definition, { timeZone: this.options.timeZone, now });
    const stored = typeof definition === 'string';
    return this.enqueue(def, stored ? def.id : null, 'manual', null, options.reference ?? now);
  }

  private enqueue(def: ReportDefinition, definitionId: string | null, trigger: RunTrigger, scheduledFor: number | null, reference: number): ReportRun {
    if (this.closed) throw new Error('report service is closed');
    const id = randomUUID();
    const period = resolvePeriod(def.period, reference, this.options.timeZone);
    const inserted = this.db.insertRun({ id, definition: def, definitionId, trigger, scheduledFor, period, createdAt: this.clock.now() });
    if (!inserted) throw new Error(`a run of ${definitionId} for ${scheduledFor} exists`);
    const run = this.db.getRun(id)!;
    this.emitEvent({ type: 'queued', run });
    this.queue.push(id);
    this.work();
    return run;
  }

  getRun(id: string): ReportRun {
    const run = this.db.getRun(id);
    if (!run) throw new ReportError('run_not_found', `no report run "${id}"`);
    return run;
  }

  listRuns(filter: { definitionId?: string; status?: RunStatus; limit?: number } = {}): ReportRun[] {
    return this.db.listRuns(filter);
  }

  /** Resolves when the run has finished (succeeded or failed); deliveries may still be pending. */
  waitFor(runId: string): Promise<ReportRun> {
    const run = this.getRun(runId);
    if (run.status === 'succeeded' || run.status === 'failed') return Promise.resolve(run);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** A stored file of a run, as a stream (for the download endpoint). */
  openFile(runId: string, name: string): OpenedFile {
    const run = this.getRun(runId);
    const file = run.files.find((f) => f.name === name);
    const path = join(this.runsDir, runId, name);
    if (!file || !file.available || !existsSync(path)) throw new ReportError('file_not_found', `run ${runId} has no file "${name}"${file && !file.available ? ' (expired)' : ''}`);
    return { name: file.name, contentType: file.contentType, bytes: file.bytes, stream: createReadStream(path) };
  }

  /** Puts a run's failed mail deliveries back in the queue. */
  retryDeliveries(runId: string): number {
    this.getRun(runId);
    const n = this.db.retryDeliveries(runId, this.clock.now());
    if (n) void this.dispatch();
    return n;
  }

  private work(): void {
    if (this.working || this.closed) return;
    this.working = (async () => {
      while (this.queue.length && !this.closed) {
        const id = this.queue.shift()!;
        this.current = id;
        try {
          await this.execute(id);
        } catch (err) {
          this.options.log?.error(`report run ${id}: ${(err as Error).stack ?? String(err)}`);
        }
        this.current = null;
      }
    })().finally(() => {
      this.working = null;
      // A run queued between the loop's last check and this callback must not wait for the next one.
      if (this.queue.length && !this.closed) this.work();
    });
  }

  private async execute(id: string): Promise<void> {
    const def = this.db.runDefinition(id);
    const queued = this.db.getRun(id);
    if (!def || !queued) return;
    const started = this.clock.now();
    const dir = join(this.runsDir, id);
    const finish = (status: 'succeeded' | 'failed', files: ReportFile[], error: string | null) => {
      if (!this.options.store.db.isOpen) return;
      const retentionDays = def.delivery.store?.retentionDays ?? 7; // mail-only files stay while mails may be retried
      this.db.markFinished(id, status, this.clock.now(), files, error, files.length ? this.clock.now() + retentionDays * DAY : null);
      const run = this.db.getRun(id)!;
      this.emitEvent({ type: status, run });
      for (const resolve of this.waiters.get(id) ?? []) resolve(run);
      this.waiters.delete(id);
    };
    let devices;
    try {
      devices = this.options.selections.resolve(def.devices);
    } catch (err) {
      this.db.markStarted(id, started, 0);
      this.lastError = `${def.title}: ${(err as Error).message}`;
      return finish('failed', [], (err as Error).message);
    }
    this.db.markStarted(id, started, devices.length);
    this.emitEvent({ type: 'started', run: this.db.getRun(id)! });
    let lastWrite = 0;
    try {
      const out = await generateReport({
        historian: this.options.historian, texts: this.texts, def, devices, from: queued.period.from, to: queued.period.to,
        timeZone: this.options.timeZone, generatedAt: started, utility: this.utility(), dir, batch: this.options.batch,
        onProgress: (done, total) => {
          this.emitEvent({ type: 'progress', runId: id, definitionId: queued.definitionId, done, total });
          const now = Date.now();
          if (now - lastWrite > 1000 || done === total) {
            lastWrite = now;
            if (this.options.store.db.isOpen) this.db.markProgress(id, done);
          }
        },
      });
      if (out.mailHtml) writeFileSync(join(dir, 'mail-body.html'), out.mailHtml);
      if (def.delivery.email?.to.length) this.db.queueMail(id, def.delivery.email.to, this.clock.now());
      finish('succeeded', out.files, null);
      if (def.delivery.email?.to.length) void this.dispatch();
    } catch (err) {
      this.lastError = `${def.title}: ${(err as Error).message}`;
      this.options.log?.warn(`report ${def.title} failed: ${(err as Error).stack}`);
      finish('failed', [], (err as Error).message);
    }
  }

  private utility(): string {
    return this.options.utilityName ?? this.options.store.getSetting('utility.name') ?? 'Heatgrid';
  }

  private emitEvent(event: ReportEvent): void {
    this.emit('event', event);
  }

  // ---- schedules -----------------------------------------------------------------------------------------

  /** Makes up missed due times and re-runs what a stop interrupted, then starts the timers. */
  start(): void {
    for (const id of this.db.unfinishedRuns()) {
      this.options.log?.info(`report run ${id} was interrupted by a stop; running it again`);
      this.queue.push(id);
    }
    this.tick();
    this.work();
    const tickMs = this.options.tickMs ?? 5000;
    if (tickMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.tick();
        void this.dispatch();
      }, tickMs);
      this.timer.unref();
    }
    void this.dispatch();
  }

  /** Queues every due time that has not run yet (exactly once each: a unique key per definition and time). */
  tick(): ReportRun[] {
    if (this.closed || !this.options.store.db.isOpen) return [];
    const now = this.clock.now();
    const queued: ReportRun[] = [];
    for (const def of this.db.listDefinitions()) {
      if (!def.schedule?.enabled) continue;
      const from = this.db.scheduleFrom(def.id);
      if (from === null) continue;
      // Look back at most ~400 days: older due times are history, not reports anyone waits for.
      const anchor = Math.max(this.db.lastScheduledFor(def.id) ?? from, from, now - 400 * DAY);
      let due: number[];
      try {
        due = runsBetween(parseCron(def.schedule.cron), anchor, now, this.options.timeZone, this.options.catchUpLimit ?? 5);
      } catch (err) {
        this.lastError = `${def.title}: ${(err as Error).message}`;
        continue;
      }
      for (const t of due) {
        try {
          queued.push(this.enqueue(def, def.id, now - t > LATE_MS ? 'catch-up' : 'schedule', t, t));
        } catch {
          // another process or an earlier tick ran this due time already: exactly once
        }
      }
    }
    if (now - this.lastPrune > 3600_000) this.prune();
    return queued;
  }

  /** Deletes stored files past their retention; the run history keeps their names and sizes. */
  prune(): number {
    this.lastPrune = this.clock.now();
    const expired = this.db.expiredRuns(this.lastPrune);
    for (const run of expired) {
      rmSync(join(this.runsDir, run.id), { recursive: true, force: true });
      this.db.markExpired(run.id, run.files);
    }
    return expired.length;
  }

  // ---- delivery ------------------------------------------------------------------------------------------

  /** Sends due mails; one pass at a time. */
  dispatch(): Promise<void> {
    if (this.dispatching) return this.dispatching;
    this.dispatching = this.dispatchOnce().finally(() => (this.dispatching = null));
    return this.dispatching;
  }

  private async dispatchOnce(): Promise<void> {
    if (!this.options.store.db.isOpen) return;
    for (const d of this.db.dueDeliveries(this.clock.now())) {
      if (this.closed) return;
      try {
        if (!this.transport) throw new Error('mail is not configured (SMTP_URL)');
        await this.transport.sendMail(this.mail(d.run_id, d.receiver));
        if (this.options.store.db.isOpen) this.db.markDelivered(d.id, this.clock.now());
        this.emitEvent({ type: 'delivery', runId: d.run_id, to: d.receiver, state: 'sent', error: null });
      } catch (err) {
        const message = (err as Error).message;
        const attempts = d.attempts + 1;
        const giveUp = attempts >= (this.options.maxAttempts ?? 8);
        const wait = Math.min(this.options.retryMaxMs ?? 3600_000, (this.options.retryBaseMs ?? 60_000) * 2 ** (attempts - 1));
        this.lastError = `mail to ${d.receiver}: ${message}`;
        this.options.log?.warn(`report mail to ${d.receiver} failed (attempt ${attempts}${giveUp ? ', giving up' : ''}): ${message}`);
        if (this.options.store.db.isOpen) this.db.markDeliveryFailed(d.id, message, this.clock.now() + wait, giveUp);
        this.emitEvent({ type: 'delivery', runId: d.run_id, to: d.receiver, state: giveUp ? 'failed' : 'pending', error: message });
      }
    }
  }

  private mail(runId: string, to: string) {
    const run = this.getRun(runId);
    const def = this.db.runDefinition(runId)!;
    const dir = join(this.runsDir, runId);
    const tz = this.options.timeZone;
    const attachments = run.files.filter((f) => f.format !== 'html' || run.files.length === 1);
    for (const f of attachments) if (!existsSync(join(dir, f.name))) throw new Error(`file ${f.name} of run ${runId} is gone (expired)`);
    const bodyFile = join(dir, 'mail-body.html');
    const context = {
      title: def.title, utility: this.utility(), deviceCount: run.devices,
      periodLabel: periodLabel(run.period.from, run.period.to, def.language, tz),
      generated: formatDateTime(run.startedAt ?? run.createdAt, def.language, tz),
      files: attachments.map((f) => ({ name: f.name, size: fileSize(f.bytes) })),
      downloadLink: def.delivery.store && this.options.downloadUrl && run.files[0] ? this.options.downloadUrl(runId, run.files[0].name) : null,
      body: existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '',
    };
    const template = this.texts.mail(def.language);
    const subject = (def.delivery.email?.subject ?? template.subject(context)).replace(/[\r\n]+/g, ' ').slice(0, 250);
    const html = template.body(context);
    const text = html.replace(/<(br|\/p|\/tr|\/h\d)>/gi, '\n').replace(/<\/t[dh]>/gi, '\t').replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/\n{3,}/g, '\n\n').trim();
    return {
      from: this.from, to, subject, text, html,
      attachments: attachments.map((f) => ({ filename: f.name, path: join(dir, f.name), contentType: f.contentType })),
      headers: { 'X-Heatgrid-Report-Run': runId },
    };
  }

  // ---- lifecycle and visibility --------------------------------------------------------------------------

  health(): ReportHealth {
    if (!this.options.store.db.isOpen) return { ok: true, definitions: 0, scheduled: 0, queued: 0, running: null, failedRuns24h: 0, deliveries: { pending: 0, failed: 0 }, lastError: this.lastError };
    const defs = this.db.listDefinitions();
    const counts = this.db.runCounts(this.clock.now() - DAY);
    const deliveries = this.db.deliveryCounts();
    return {
      ok: deliveries.failed === 0 && counts.failed === 0,
      definitions: defs.length, scheduled: defs.filter((d) => d.schedule?.enabled).length,
      queued: this.queue.length, running: this.current, failedRuns24h: counts.failed, deliveries, lastError: this.lastError,
    };
  }

  /** Stops the timers and waits for the run in progress (a queued run stays queued and runs on next start). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.working;
    await this.dispatching;
    this.transport?.close?.();
  }
}
