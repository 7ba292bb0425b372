// The embedded historian's SQLite schema (historian.db in the data directory), one migration per version
// recorded in PRAGMA user_version. Narrow tables clustered by series (device, point, ts): a single-series
// range is one B-tree range scan, and any device template fits without schema changes.
export interface EmbeddedMigration { version: number; sql: string }

export const EMBEDDED_MIGRATIONS: EmbeddedMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE samples (
        device TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL, value REAL, quality TEXT NOT NULL,
        PRIMARY KEY (device, point, ts)
      ) WITHOUT ROWID;
      -- Derived from samples as they arrive; ts is the start of the quarter hour. Kept 10 years.
      CREATE TABLE readings_15m (
        device TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL,
        n INTEGER NOT NULL, sum REAL, min REAL, max REAL, last REAL, last_ts INTEGER,
        PRIMARY KEY (device, point, ts)
      ) WITHOUT ROWID;
      -- One row per series so "latest values of the fleet" is a plain scan, not a search per series.
      CREATE TABLE latest (
        device TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL, value REAL, quality TEXT NOT NULL,
        PRIMARY KEY (device, point)
      ) WITHOUT ROWID;
      -- '' stands for "no point/device" so that the natural keys below stay unique (SQL NULLs never collide).
      CREATE TABLE alarm_journal (
        ts INTEGER NOT NULL, alarm_id TEXT NOT NULL, rule_id TEXT NOT NULL, device TEXT NOT NULL, point TEXT NOT NULL,
        state_from TEXT NOT NULL, state_to TEXT NOT NULL, priority INTEGER NOT NULL, value REAL, limit_value REAL,
        user_name TEXT, comment TEXT,
        PRIMARY KEY (ts, alarm_id, state_to)
      ) WITHOUT ROWID;
      CREATE INDEX alarm_journal_device ON alarm_journal (device, ts);
      CREATE TABLE audit_log (
        ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, device TEXT NOT NULL, point TEXT NOT NULL,
        old_value TEXT, new_value TEXT, outcome TEXT NOT NULL, detail TEXT,
        PRIMARY KEY (ts, actor, action, device, point)
      ) WITHOUT ROWID;
    `,
  },
];

export const EMBEDDED_SQL = {
  insertSample: 'INSERT INTO samples (device, point, ts, value, quality) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  // A re-sent sample with the same value and quality changes nothing (idempotent); a corrected one does.
  correctSample:
    'UPDATE samples SET value = ?, quality = ? WHERE device = ? AND point = ? AND ts = ? AND (value IS NOT ? OR quality IS NOT ?)',
  // Adds one new sample's contribution to its quarter. In SET, column names are the values before the update.
  addToQuarter: `
    INSERT INTO readings_15m (device, point, ts, n, sum, min, max, last, last_ts) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
    ON CONFLICT (device, point, ts) DO UPDATE SET
      n = n + 1, sum = sum + excluded.sum,
      min = min(min, excluded.min), max = max(max, excluded.max),
      last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
      last_ts = max(last_ts, excluded.last_ts)`,
  // After a correction, the quarter is recomputed from the samples it holds.
  recomputeQuarter: `
    INSERT INTO readings_15m (device, point, ts, n, sum, min, max, last, last_ts)
    SELECT ?1, ?2, ?3, count(value), sum(value), min(value), max(value),
      (SELECT value FROM samples WHERE device = ?1 AND point = ?2 AND ts >= ?3 AND ts < ?4 AND value IS NOT NULL ORDER BY ts DESC LIMIT 1),
      (SELECT ts FROM samples WHERE device = ?1 AND point = ?2 AND ts >= ?3 AND ts < ?4 AND value IS NOT NULL ORDER BY ts DESC LIMIT 1)
    FROM samples WHERE device = ?1 AND point = ?2 AND ts >= ?3 AND ts < ?4 AND value IS NOT NULL
    ON CONFLICT (device, point, ts) DO UPDATE SET n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max,
      last = excluded.last, last_ts = excluded.last_ts`,
  deleteEmptyQuarters: 'DELETE FROM readings_15m WHERE device = ? AND point = ? AND ts = ? AND n = 0',
  upsertLatest: `
    INSERT INTO latest (device, point, ts, value, quality) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (device, point) DO UPDATE SET ts = excluded.ts, value = excluded.value, quality = excluded.quality
    WHERE excluded.ts >= latest.ts`,
  insertAlarm: `
    INSERT INTO alarm_journal (ts, alarm_id, rule_id, device, point, state_from, state_to, priority, value, limit_value, user_name, comment)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET rule_id = excluded.rule_id, device = excluded.device, point = excluded.point, state_from = excluded.state_from,
      priority = excluded.priority, value = excluded.value, limit_value = excluded.limit_value, user_name = excluded.user_name, comment = excluded.comment`,
  insertAudit: `
    INSERT INTO audit_log (ts, actor, action, device, point, old_value, new_value, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET old_value = excluded.old_value, new_value = excluded.new_value, outcome = excluded.outcome, detail = excluded.detail`,
  rawRange: 'SELECT ts, value, quality FROM samples WHERE device = ? AND point = ? AND ts >= ? AND ts < ? ORDER BY ts',
  quarterRange: 'SELECT ts, n, sum, min, max, last, last_ts AS lastTs FROM readings_15m WHERE device = ? AND point = ? AND ts >= ? AND ts < ? ORDER BY ts',
  // One calendar bucket (day, month) of one series, straight from the B-tree range: no rows cross into JS.
  bucketAggregate: `
    SELECT sum(n) AS n, sum(sum) AS sum, min(min) AS min, max(max) AS max,
      (SELECT last FROM readings_15m WHERE device = ?1 AND point = ?2 AND ts >= ?3 AND ts < ?4 AND n > 0 ORDER BY ts DESC LIMIT 1) AS last
    FROM readings_15m WHERE device = ?1 AND point = ?2 AND ts >= ?3 AND ts < ?4`,
  lastQuarterBefore: 'SELECT ts, last FROM readings_15m WHERE device = ? AND point = ? AND ts < ? AND last IS NOT NULL ORDER BY ts DESC LIMIT 1',
  quarterLasts: 'SELECT ts, last AS value FROM readings_15m WHERE device = ? AND point = ? AND ts >= ? AND ts < ? AND last IS NOT NULL ORDER BY ts',
  series: 'SELECT device, point FROM latest',
  expireSamples: 'DELETE FROM samples WHERE device = ? AND point = ? AND ts < ?',
  expireQuarters: 'DELETE FROM readings_15m WHERE device = ? AND point = ? AND ts < ?',
} as const;
