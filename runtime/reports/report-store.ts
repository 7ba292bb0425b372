// Persistence of report definitions, runs and mail deliveries in the config store (migration 5). All SQL of
// the reports capability lives here.
import type { ConfigStore } from '../store/config-store.ts';
import type { DeliveryState, ReportDefinition, ReportDeliveryStatus, ReportFile, ReportRun, RunStatus, RunTrigger } from './types.ts';

interface RunRow {
  id: string;
  definition_id: string | null;
  definition: string;
  trigger_kind: RunTrigger;
  scheduled_for: number | null;
  status: RunStatus;
  period_from: number;
  period_to: number;
  devices: number;
  done: number;
  files: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
}

export interface DeliveryRow {
  id: number;
  run_id: string;
  kind: 'mail';
  receiver: string;
  state: DeliveryState;
  due_at: number;
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
}

export interface NewRun {
  id: string;
  definition: ReportDefinition;
  /** Null for inline definitions that were never stored. */
  definitionId: string | null;
  trigger: RunTrigger;
  scheduledFor: number | null;
  period: { from: number; to: number };
  createdAt: number;
}

export class ReportStore {
  private readonly store: ConfigStore;
  constructor(store: ConfigStore) {
    this.store = store;
  }

  private get db() {
    return this.store.db;
  }

  // ---- definitions ---------------------------------------------------------------------------------------

  listDefinitions(): ReportDefinition[] {
    return (this.db.prepare('SELECT body FROM report_definitions ORDER BY created_at, id').all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as ReportDefinition);
  }

  getDefinition(id: string): ReportDefinition | null {
    const row = this.db.prepare('SELECT body FROM report_definitions WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as ReportDefinition) : null;
  }

  /** schedule_from: the instant after which the schedule's due times count (null = unscheduled). */
  scheduleFrom(id: string): number | null {
    const row = this.db.prepare('SELECT schedule_from FROM report_definitions WHERE id = ?').get(id) as { schedule_from: number | null } | undefined;
    return row?.schedule_from ?? null;
  }

  insertDefinition(def: ReportDefinition, scheduleFrom: number | null): boolean {
    const r = this.db.prepare('INSERT INTO report_definitions (id, body, schedule_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
      .run(def.id, JSON.stringify(def), scheduleFrom, def.createdAt, def.updatedAt);
    return Number(r.changes) === 1;
  }

  updateDefinition(def: ReportDefinition, scheduleFrom: number | null): void {
    this.db.prepare('UPDATE report_definitions SET body = ?, schedule_from = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(def), scheduleFrom, def.updatedAt, def.id);
  }

  deleteDefinition(id: string): boolean {
    return Number(this.db.prepare('DELETE FROM report_definitions WHERE id = ?').run(id).changes) === 1;
  }

  // ---- runs ----------------------------------------------------------------------------------------------

  /** Inserts a queued run; false when this definition already has a run for this due time (exactly once). */
  insertRun(run: NewRun): boolean {
    const r = this.db.prepare(`INSERT INTO report_runs (id, definition_id, definition, trigger_kind, scheduled_for, status, period_from, period_to, created_at)
      VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(run.id, run.definitionId, JSON.stringify(run.definition), run.trigger, run.scheduledFor, run.period.from, run.period.to, run.createdAt);
    return Number(r.changes) === 1;
  }

  lastScheduledFor(definitionId: string): number | null {
    const row = this.db.prepare('SELECT MAX(scheduled_for) AS t FROM report_runs WHERE definition_id = ? AND scheduled_for IS NOT NULL').get(definitionId) as { t: number | null };
    return row.t;
  }

  runDefinition(id: string): ReportDefinition | null {
    const row = this.db.prepare('SELECT definition FROM report_runs WHERE id = ?').get(id) as { definition: string } | undefined;
    return row ? (JSON.parse(row.definition) as ReportDefinition) : null;
  }

  markStarted(id: string, at: number, devices: number): void {
    this.db.prepare(`UPDATE report_runs SET status = 'running', started_at = ?, devices = ?, done = 0, error = NULL WHERE id = ?`).run(at, devices, id);
  }

  markProgress(id: string, done: number): void {
    this.db.prepare('UPDATE report_runs SET done = ? WHERE id = ?').run(done, id);
  }

  markFinished(id: string, status: 'succeeded' | 'failed', at: number, files: ReportFile[], error: string | null, expiresAt: number | null): void {
    this.db.prepare('UPDATE report_runs SET status = ?, finished_at = ?, files = ?, error = ?, expires_at = ? WHERE id = ?')
      .run(status, at, JSON.stringify(files), error, expiresAt, id);
  }

  /** Runs a stopped runtime left queued or running: they are run again on start. */
  unfinishedRuns(): string[] {
    return (this.db.prepare(`SELECT id FROM report_runs WHERE status IN ('queued', 'running') ORDER BY created_at`).all() as Array<{ id: string }>).map((r) => r.id);
  }

  getRun(id: string): ReportRun | null {
    const row = this.db.prepare('SELECT * FROM report_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? this.toRun(row) : null;
  }

  listRuns(filter: { definitionId?: string; status?: RunStatus; limit?: number } = {}): ReportRun[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.definitionId) (where.push('definition_id = ?'), args.push(filter.definitionId));
    if (filter.status) (where.push('status = ?'), args.push(filter.status));
    const sql = `SELECT * FROM report_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, Math.min(filter.limit ?? 100, 1000)) as unknown as RunRow[]).map((r) => this.toRun(r));
  }

  /** Finished runs whose files are past their retention time. */
  expiredRuns(now: number): Array<{ id: string; files: ReportFile[] }> {
    return (this.db.prepare(`SELECT id, files FROM report_runs WHERE expires_at IS NOT NULL AND expires_at <= ?`).all(now) as Array<{ id: string; files: string }>)
      .map((r) => ({ id: r.id, files: JSON.parse(r.files) as ReportFile[] }));
  }

  markExpired(id: string, files: ReportFile[]): void {
    this.db.prepare('UPDATE report_runs SET files = ?, expires_at = NULL WHERE id = ?').run(JSON.stringify(files.map((f) => ({ ...f, available: false }))), id);
  }

  private toRun(r: RunRow): ReportRun {
    const def = JSON.parse(r.definition) as ReportDefinition;
    return {
      id: r.id, definitionId: r.definition_id, title: def.title, trigger: r.trigger_kind, scheduledFor: r.scheduled_for, status: r.status,
      period: { from: r.period_from, to: r.period_to }, devices: r.devices, progress: { done: r.done, total: r.devices },
      createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
      durationMs: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null,
      error: r.error, files: JSON.parse(r.files) as ReportFile[], deliveries: this.deliveriesOf(r.id), expiresAt: r.expires_at,
    };
  }

  // ---- deliveries ----------------------------------------------------------------------------------------

  queueMail(runId: string, receivers: string[], dueAt: number): void {
    const insert = this.db.prepare(`INSERT INTO report_deliveries (run_id, kind, receiver, state, due_at) VALUES (?, 'mail', ?, 'pending', ?)`);
    this.store.transaction(() => { for (const to of receivers) insert.run(runId, to, dueAt); });
  }

  dueDeliveries(now: number): DeliveryRow[] {
    return this.db.prepare(`SELECT * FROM report_deliveries WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id`).all(now) as unknown as DeliveryRow[];
  }

  markDelivered(id: number, at: number): void {
    this.db.prepare(`UPDATE report_deliveries SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`).run(at, id);
  }

  markDeliveryFailed(id: number, error: string, retryAt: number, giveUp: boolean): void {
    this.db.prepare(`UPDATE report_deliveries SET attempts = attempts + 1, last_error = ?, due_at = ?, state = ? WHERE id = ?`).run(error, retryAt, giveUp ? 'failed' : 'pending', id);
  }

  /** Puts failed deliveries of a run back in the queue (an operator's "retry"). */
  retryDeliveries(runId: string, now: number): number {
    return Number(this.db.prepare(`UPDATE report_deliveries SET state = 'pending', due_at = ?, attempts = 0 WHERE run_id = ? AND state = 'failed'`).run(now, runId).changes);
  }

  deliveriesOf(runId: string): ReportDeliveryStatus[] {
    return (this.db.prepare('SELECT * FROM report_deliveries WHERE run_id = ? ORDER BY id').all(runId) as unknown as DeliveryRow[])
      .map((d) => ({ kind: d.kind, to: d.receiver, state: d.state, attempts: d.attempts, lastError: d.last_error, sentAt: d.sent_at }));
  }

  deliveryCounts(): { pending: number; failed: number } {
    const rows = this.db.prepare(`SELECT state, COUNT(*) AS n FROM report_deliveries WHERE state IN ('pending', 'failed') GROUP BY state`).all() as Array<{ state: string; n: number }>;
    return { pending: Number(rows.find((r) => r.state === 'pending')?.n ?? 0), failed: Number(rows.find((r) => r.state === 'failed')?.n ?? 0) };
  }

  runCounts(since: number): { failed: number; running: number } {
    const failed = this.db.prepare(`SELECT COUNT(*) AS n FROM report_runs WHERE status = 'failed' AND created_at >= ?`).get(since) as { n: number };
    const running = this.db.prepare(`SELECT COUNT(*) AS n FROM report_runs WHERE status IN ('queued', 'running')`).get() as { n: number };
    return { failed: Number(failed.n), running: Number(running.n) };
  }
}
