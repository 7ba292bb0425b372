// Store-and-forward buffer for the QuestDB backend: batches QuestDB did not acknowledge, kept in a SQLite
// queue (historian-buffer.db in the data directory) and replayed oldest first. SQLite gives an atomic,
// crash-safe append and delete per batch without our own segment-file format. Bounded in bytes: a warning
// at 80 %, and beyond the bound the oldest batches are dropped (and counted) so recent data keeps flowing.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../log.ts';
import type { Batch } from './pending-writes.ts';
import type { Quality } from '../readings.ts';

type SampleRow = [string, string, number, number | null, Quality];

export class DiskBuffer {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly log: Logger;
  readonly limitBytes: number;
  rows = 0;
  bytes = 0;
  dropped = 0;
  private warned = false;

  constructor(dataDir: string, limitBytes: number, log: Logger) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'historian-buffer.db');
    this.log = log;
    this.limitBytes = limitBytes;
    this.db = new DatabaseSync(this.path);
    // synchronous=FULL: a batch counts as kept only once it is on disk.
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)`);
    const t = this.db.prepare('SELECT coalesce(sum(rows), 0) AS rows, coalesce(sum(bytes), 0) AS bytes FROM batches').get() as { rows: number; bytes: number };
    this.rows = Number(t.rows);
    this.bytes = Number(t.bytes);
    if (this.rows > 0) log.warn(`store-and-forward buffer holds ${this.rows} rows from before the restart; they are replayed when QuestDB answers`);
  }

  append(batch: Batch): void {
    const rows = batch.samples.length + batch.alarms.length + batch.audit.length;
    if (rows === 0) return;
    const body = JSON.stringify({
      s: batch.samples.map((s): SampleRow => [s.device, s.point, s.ts, s.value, s.quality]),
      a: batch.alarms,
      u: batch.audit,
    });
    this.db.prepare('INSERT INTO batches (rows, bytes, body) VALUES (?, ?, ?)').run(rows, body.length, body);
    this.rows += rows;
    this.bytes += body.length;
    while (this.bytes > this.limitBytes && this.rows > rows) {
      const oldest = this.peek();
      if (!oldest) break;
      this.dropped += oldest.rows;
      this.remove(oldest.id);
      this.log.error(`store-and-forward buffer full (${this.limitBytes} bytes): dropped the oldest ${oldest.rows} rows`);
    }
    if (!this.warned && this.bytes > this.limitBytes * 0.8) {
      this.warned = true;
      this.log.warn(`store-and-forward buffer at ${Math.round((100 * this.bytes) / this.limitBytes)} % of its ${this.limitBytes} bytes; QuestDB has been unreachable for a while`);
    } else if (this.bytes < this.limitBytes * 0.5) {
      this.warned = false;
    }
  }

  peek(): { id: number; rows: number; batch: Batch } | null {
    const r = this.db.prepare('SELECT id, rows, body FROM batches ORDER BY id LIMIT 1').get() as { id: number; rows: number; body: string } | undefined;
    if (!r) return null;
    const body = JSON.parse(r.body) as { s: SampleRow[]; a: Batch['alarms']; u: Batch['audit'] };
    return {
      id: r.id,
      rows: r.rows,
      batch: { samples: body.s.map(([device, point, ts, value, quality]) => ({ device, point, ts, value, quality })), alarms: body.a, audit: body.u },
    };
  }

  remove(id: number): void {
    const r = this.db.prepare('DELETE FROM batches WHERE id = ? RETURNING rows, bytes').get(id) as { rows: number; bytes: number } | undefined;
    if (r) {
      this.rows -= r.rows;
      this.bytes -= r.bytes;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
