// E-mail notifications of alarm events. Events are queued in the config store (notify_queue) and sent by
// a background dispatcher, so a slow or dead mail server never blocks polling or evaluation, and a restart
// loses nothing. Per receiver, what is due within a short batch window goes out together: one mail for one
// alarm, one digest for many (a flood of 500 alarms is one mail per receiver). Failed deliveries are retried
// with exponential backoff and stay visible (health(), pending(), failed rows).
import nodemailer from 'nodemailer';
import type { ConfigStore } from '../store/config-store.ts';
import type { Logger } from '../log.ts';
import { systemClock, type Alarm, type AlarmEventMessage, type AlarmRule, type Clock, type Language } from '../alarms/types.ts';
import { formatNumber, formatTime, priorityLabel, render, TEMPLATE_DIR, type MailKind, type RenderedMail } from './mail-templates.ts';

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** Optional HTML alternative (reports use it; alarm mails are plain text). */
  html?: string;
  /** Files sent along (reports); nodemailer streams `path` attachments from disk. */
  attachments?: Array<{ filename: string; path: string; contentType?: string }>;
  headers?: Record<string, string>;
}

/** What sends: nodemailer's transporter satisfies it; tests may pass their own. */
export interface MailTransport {
  sendMail(message: MailMessage): Promise<unknown>;
  close?(): void;
}

export interface AlarmSource {
  on(event: 'event', listener: (event: AlarmEventMessage) => void): unknown;
  off(event: 'event', listener: (event: AlarmEventMessage) => void): unknown;
  engine: { rule(id: string): AlarmRule | null; get(id: string): Alarm | null };
}

export interface NotifierOptions {
  store: ConfigStore;
  /** SMTP_URL (smtp:// or smtps://, optional ?from=alarms@utility.dk), or a transport; null = mail off. */
  smtp: URL | MailTransport | null;
  from?: string;
  /** Base of the links in mails (HEATGRID_PUBLIC_URL or the listening address). */
  publicUrl: string;
  timeZone: string;
  clock?: Clock;
  /** Due mails of one receiver wait this long for company before they go (default 5 s). */
  batchWindowMs?: number;
  /** This many due alarm mails for one receiver become one digest (default 3). */
  digestThreshold?: number;
  /** At most this many alarms are listed in a digest (default 100). */
  digestMaxItems?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  /** Dispatcher period (default 1 s); 0 = no timer (tests call dispatch()). */
  pollMs?: number;
  templateDir?: string;
  log?: Logger;
}

interface QueueRow {
  id: number;
  receiver: string;
  language: Language;
  kind: 'alarm' | 'return';
  alarm_id: string;
  body: string;
  state: string;
  due_at: number;
  attempts: number;
  last_error: string | null;
  created_at: number;
}

/** What a queued mail remembers about its alarm: enough to write the mail after a restart. */
interface QueuedAlarm {
  device: string;
  deviceName: string;
  point: string | null;
  value: number | null;
  limit: number | null;
  message: string;
  priority: Alarm['priority'];
  state: string;
  since: number | null;
  at: number;
  ruleName: string;
}

export interface NotifierHealth {
  ok: boolean;
  enabled: boolean;
  pending: number;
  failed: number;
  sent: number;
  lastError: string | null;
  lastSentAt: number | null;
  [detail: string]: unknown;
}

/** SMTP_URL (or a ready transport) → the transport and the sender named by ?from=; shared with report mail. */
export function transportFrom(smtp: URL | MailTransport | null): { transport: MailTransport | null; from: string | null } {
  if (smtp === null) return { transport: null, from: null };
  if (!(smtp instanceof URL)) return { transport: smtp, from: null };
  const url = new URL(smtp.href);
  const from = url.searchParams.get('from');
  url.searchParams.delete('from');
  return { transport: nodemailer.createTransport(url.href) as unknown as MailTransport, from };
}

export class Notifier {
  private readonly options: NotifierOptions;
  private readonly clock: Clock;
  private readonly transport: MailTransport | null;
  private readonly from: string;
  private readonly listener = (event: AlarmEventMessage) => this.onEvent(event);
  private source: AlarmSource | null = null;
  private buffer: AlarmEventMessage[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastError: string | null = null;
  private lastSentAt: number | null = null;
  private sentCount = 0;
  /** Mails sent since start (digest counts once): tests and the health section read it. */
  mailsSent = 0;

  constructor(options: NotifierOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const { transport, from } = transportFrom(options.smtp);
    this.transport = transport;
    const host = (() => { try { return new URL(options.publicUrl).hostname || 'localhost'; } catch { return 'localhost'; } })();
    this.from = options.from ?? from ?? `Heatgrid <heatgrid@${host === '127.0.0.1' ? 'localhost' : host}>`;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  /** Listens to an alarm service and starts the dispatcher. */
  attach(source: AlarmSource): void {
    this.source = source;
    source.on('event', this.listener);
    const pollMs = this.options.pollMs ?? 1000;
    if (pollMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.dispatch(), pollMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    this.source?.off('event', this.listener);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flushBuffer();
    await this.running;
    this.transport?.close?.();
  }

  // ---- queueing ------------------------------------------------------------------------------------------

  private onEvent(event: AlarmEventMessage): void {
    if (!this.enabled) return;
    // Evaluation must not wait for SQLite either: events are written in one transaction per turn.
    this.buffer.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushBuffer());
    }
  }

  /** Writes buffered events to the queue (public so that tests and shutdown can force it). */
  flushBuffer(): void {
    this.flushScheduled = false;
    if (!this.buffer.length || !this.options.store.db.isOpen) return;
    const events = this.buffer;
    this.buffer = [];
    const db = this.options.store.db;
    const insert = db.prepare(`INSERT INTO notify_queue (receiver, language, kind, alarm_id, body, state, due_at, created_at)
      VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`);
    const drop = db.prepare(`UPDATE notify_queue SET state = 'dropped', last_error = ? WHERE alarm_id = ? AND kind = 'alarm' AND state = 'pending' AND attempts = 0`);
    const sentBefore = db.prepare(`SELECT 1 FROM notify_queue WHERE alarm_id = ? AND kind = 'alarm' AND state = 'sent' AND created_at >= ? LIMIT 1`);
    this.options.store.transaction(() => {
      for (const event of events) {
        const rule = this.source?.engine.rule(event.alarm.ruleId) ?? null;
        if (!rule || rule.receivers.length === 0) continue;
        const a = event.alarm;
        const queued: QueuedAlarm = {
          device: a.device, deviceName: a.deviceName, point: a.point, value: a.value, limit: a.limit, message: a.message,
          priority: a.priority, state: event.to, since: a.activeSince, at: event.ts, ruleName: rule.name,
        };
        if ((event.type === 'raised' || event.type === 're-alarmed') && event.annunciate) {
          for (const r of rule.receivers) insert.run(r.email, r.language, 'alarm', a.id, JSON.stringify(queued), event.ts + rule.notifyDelayS * 1000, event.ts);
        } else if (event.type === 'acknowledged') {
          drop.run(`acknowledged by ${event.user} before the notification delay`, a.id);
        } else if (event.type === 'returned' || (event.type === 'normal' && event.from !== 'normal')) {
          const dropped = drop.run('returned to normal before the notification delay', a.id);
          const announced = sentBefore.get(a.id, a.activeSince ?? event.ts - 86_400_000 * 30) !== undefined;
          if (rule.notifyOnReturn && Number(dropped.changes) === 0 && announced) {
            for (const r of rule.receivers) insert.run(r.email, r.language, 'return', a.id, JSON.stringify(queued), event.ts, event.ts);
          }
        } else if (event.type === 'shelved' || event.type === 'suppressed' || event.type === 'out-of-service') {
          drop.run(`${event.type} before the notification delay`, a.id);
        }
      }
    });
  }

  // ---- sending -------------------------------------------------------------------------------------------

  /** Sends what is due; one run at a time. Resolves when this run is over. */
  dispatch(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.dispatchOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async dispatchOnce(): Promise<void> {
    if (!this.transport) return;
    this.flushBuffer();
    const db = this.options.store.db;
    if (!db.isOpen) return;
    const now = this.clock.now();
    const windowMs = this.options.batchWindowMs ?? 5000;
    const due = db.prepare(`SELECT * FROM notify_queue WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id`).all(now) as unknown as QueueRow[];
    const byReceiver = new Map<string, QueueRow[]>();
    for (const row of due) {
      const key = `${row.receiver}\u0000${row.language}`;
      let list = byReceiver.get(key);
      if (!list) byReceiver.set(key, (list = []));
      list.push(row);
    }
    for (const rows of byReceiver.values()) {
      // Wait for the batch window after the first due mail of a receiver (retries go at once).
      if (rows[0]!.attempts === 0 && now - rows[0]!.due_at < windowMs) continue;
      const alarmRows = rows.filter((r) => r.kind === 'alarm');
      const groups: QueueRow[][] = alarmRows.length >= (this.options.digestThreshold ?? 3)
        ? [alarmRows, ...rows.filter((r) => r.kind !== 'alarm').map((r) => [r])]
        : rows.map((r) => [r]);
      for (const group of groups) await this.send(group);
    }
  }

  private async send(rows: QueueRow[]): Promise<void> {
    const first = rows[0]!;
    const db = this.options.store.db;
    try {
      const mail = rows.length > 1 ? this.digest(rows) : this.single(first);
      await this.transport!.sendMail({ from: this.from, to: first.receiver, subject: mail.subject, text: mail.text, headers: { 'X-Heatgrid-Alarms': String(rows.length) } });
      const now = this.clock.now();
      const mark = db.prepare(`UPDATE notify_queue SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`);
      if (db.isOpen) this.options.store.transaction(() => { for (const r of rows) mark.run(now, r.id); });
      this.mailsSent++;
      this.sentCount += rows.length;
      this.lastSentAt = now;
    } catch (err) {
      const message = (err as Error).message;
      this.lastError = `${first.receiver}: ${message}`;
      this.options.log?.warn(`alarm mail to ${first.receiver} failed (attempt ${first.attempts + 1}): ${message}`);
      const now = this.clock.now();
      const base = this.options.retryBaseMs ?? 30_000;
      const max = this.options.retryMaxMs ?? 30 * 60_000;
      const maxAttempts = this.options.maxAttempts ?? 10;
      const update = db.prepare(`UPDATE notify_queue SET attempts = attempts + 1, last_error = ?, due_at = ?, state = ? WHERE id = ?`);
      if (db.isOpen) {
        this.options.store.transaction(() => {
          for (const r of rows) {
            const attempts = r.attempts + 1;
            update.run(message, now + Math.min(max, base * 2 ** (attempts - 1)), attempts >= maxAttempts ? 'failed' : 'pending', r.id);
          }
        });
      }
    }
  }

  private context(row: QueueRow): Record<string, unknown> {
    const q = JSON.parse(row.body) as QueuedAlarm;
    const lang = row.language;
    const tz = this.options.timeZone;
    return {
      ...q,
      priorityLabel: priorityLabel(q.priority, lang),
      pointLabel: q.point ?? '–',
      valueLabel: formatNumber(q.value, lang),
      limitLabel: formatNumber(q.limit, lang),
      since: formatTime(q.since ?? q.at, lang, tz),
      at: formatTime(q.at, lang, tz),
      link: `${this.options.publicUrl}/devices/${encodeURIComponent(q.device)}`,
    };
  }

  private single(row: QueueRow): RenderedMail {
    return render(row.language, row.kind as MailKind, this.context(row), this.options.templateDir ?? TEMPLATE_DIR);
  }

  private digest(rows: QueueRow[]): RenderedMail {
    const lang = rows[0]!.language;
    const max = this.options.digestMaxItems ?? 100;
    const items = rows.map((r) => this.context(r));
    const times = rows.map((r) => r.created_at);
    return render(lang, 'digest', {
      count: rows.length,
      first: formatTime(Math.min(...times), lang, this.options.timeZone),
      last: formatTime(Math.max(...times), lang, this.options.timeZone),
      items: items.slice(0, max),
      more: Math.max(0, rows.length - max),
      alarmsLink: `${this.options.publicUrl}/alarms`,
    }, this.options.templateDir ?? TEMPLATE_DIR);
  }

  // ---- visibility ----------------------------------------------------------------------------------------

  /** Mails waiting or given up, for the API and the health section. */
  queue(state: 'pending' | 'failed' | 'sent' = 'pending', limit = 100): Array<{ id: number; receiver: string; kind: string; alarmId: string; dueAt: number; attempts: number; lastError: string | null }> {
    const rows = this.options.store.db.prepare('SELECT * FROM notify_queue WHERE state = ? ORDER BY due_at LIMIT ?').all(state, limit) as unknown as QueueRow[];
    return rows.map((r) => ({ id: r.id, receiver: r.receiver, kind: r.kind, alarmId: r.alarm_id, dueAt: r.due_at, attempts: r.attempts, lastError: r.last_error }));
  }

  /** Sent and dropped rows older than this are deleted (the journal keeps the alarm history). */
  prune(olderThanMs = 30 * 86_400_000): number {
    const cutoff = this.clock.now() - olderThanMs;
    return Number(this.options.store.db.prepare(`DELETE FROM notify_queue WHERE state IN ('sent', 'dropped') AND created_at < ?`).run(cutoff).changes);
  }

  health(): NotifierHealth {
    if (!this.options.store.db.isOpen) return { ok: true, enabled: this.enabled, pending: 0, failed: 0, sent: this.sentCount, lastError: this.lastError, lastSentAt: this.lastSentAt };
    const counts = this.options.store.db.prepare(`SELECT state, COUNT(*) AS n FROM notify_queue WHERE state IN ('pending', 'failed') GROUP BY state`).all() as Array<{ state: string; n: number }>;
    const pending = Number(counts.find((c) => c.state === 'pending')?.n ?? 0);
    const failed = Number(counts.find((c) => c.state === 'failed')?.n ?? 0);
    const oldest = this.options.store.db.prepare(`SELECT MIN(due_at) AS t FROM notify_queue WHERE state = 'pending'`).get() as { t: number | null };
    const overdueMs = oldest.t === null ? 0 : Math.max(0, this.clock.now() - oldest.t);
    // Degraded when mail has been failing for more than 10 minutes or has given up on something.
    return {
      ok: failed === 0 && overdueMs < 10 * 60_000, enabled: this.enabled, pending, failed, sent: this.sentCount, overdueMs,
      lastError: this.lastError, lastSentAt: this.lastSentAt,
    };
  }
}
