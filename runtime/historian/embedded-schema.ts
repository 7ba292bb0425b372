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
  {
    // Integer series ids: one row per (device, point) in `series`, which also holds the latest sample (it
    // replaces the `latest` table). Samples and quarters are keyed (sid, ts): smaller keys, integer compares,
    // fewer pages than (device TEXT, point TEXT, ts).
    version: 2,
    sql: `
      CREATE TABLE series (
        id INTEGER PRIMARY KEY, device TEXT NOT NULL, point TEXT NOT NULL,
        ts INTEGER, value REAL, quality TEXT,
        UNIQUE (device, point)
      );
      INSERT INTO series (device, point)
        SELECT device, point FROM latest UNION SELECT device, point FROM readings_15m UNION SELECT device, point FROM samples;
      UPDATE series SET (ts, value, quality) = (SELECT ts, value, quality FROM latest l WHERE l.device = series.device AND l.point = series.point);
      CREATE TABLE samples_v2 (
        sid INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality TEXT NOT NULL,
        PRIMARY KEY (sid, ts)
      ) WITHOUT ROWID;
      INSERT INTO samples_v2 SELECT s.id, x.ts, x.value, x.quality FROM samples x JOIN series s ON s.device = x.device AND s.point = x.point;
      CREATE TABLE readings_15m_v2 (
        sid INTEGER NOT NULL, ts INTEGER NOT NULL,
        n INTEGER NOT NULL, sum REAL, min REAL, max REAL, last REAL, last_ts INTEGER,
        PRIMARY KEY (sid, ts)
      ) WITHOUT ROWID;
      INSERT INTO readings_15m_v2 SELECT s.id, r.ts, r.n, r.sum, r.min, r.max, r.last, r.last_ts
        FROM readings_15m r JOIN series s ON s.device = r.device AND s.point = r.point;
      DROP TABLE samples; DROP TABLE readings_15m; DROP TABLE latest;
      ALTER TABLE samples_v2 RENAME TO samples;
      ALTER TABLE readings_15m_v2 RENAME TO readings_15m;
    `,
  },
];

export const EMBEDDED_SQL = {
  insertSeries: 'INSERT INTO series (device, point) VALUES (?, ?) RETURNING id',
  allSeries: 'SELECT id, device, point, ts, value, quality FROM series',
  newestSample: 'SELECT ts, value, quality FROM samples WHERE sid = ? ORDER BY ts DESC LIMIT 1',
  insertSample: 'INSERT INTO samples (sid, ts, value, quality) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  // A re-sent sample with the same value and quality changes nothing (idempotent); a corrected one does.
  correctSample: 'UPDATE samples SET value = ?, quality = ? WHERE sid = ? AND ts = ? AND (value IS NOT ? OR quality IS NOT ?)',
  // Adds one batch's new samples of one quarter (pre-aggregated in JS). In SET, column names are the values before the update.
  addToQuarter: `
    INSERT INTO readings_15m (sid, ts, n, sum, min, max, last, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sid, ts) DO UPDATE SET
      n = n + excluded.n, sum = sum + excluded.sum,
      min = min(min, excluded.min), max = max(max, excluded.max),
      last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
      last_ts = max(last_ts, excluded.last_ts)`,
  // After a correction, the quarter is recomputed from the samples it holds.
  recomputeQuarter: `
    INSERT INTO readings_15m (sid, ts, n, sum, min, max, last, last_ts)
    SELECT ?1, ?2, count(value), sum(value), min(value), max(value),
      (SELECT value FROM samples WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 AND value IS NOT NULL ORDER BY ts DESC LIMIT 1),
      (SELECT ts FROM samples WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 AND value IS NOT NULL ORDER BY ts DESC LIMIT 1)
    FROM samples WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 AND value IS NOT NULL
    ON CONFLICT (sid, ts) DO UPDATE SET n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max,
      last = excluded.last, last_ts = excluded.last_ts`,
  deleteEmptyQuarters: 'DELETE FROM readings_15m WHERE sid = ? AND ts = ? AND n = 0',
  // Write-back of the in-memory latest values (hourly and at close).
  updateLatest: 'UPDATE series SET ts = ?, value = ?, quality = ? WHERE id = ? AND (ts IS NULL OR ts <= ?)',
  insertAlarm: `
    INSERT INTO alarm_journal (ts, alarm_id, rule_id, device, point, state_from, state_to, priority, value, limit_value, user_name, comment)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET rule_id = excluded.rule_id, device = excluded.device, point = excluded.point, state_from = excluded.state_from,
      priority = excluded.priority, value = excluded.value, limit_value = excluded.limit_value, user_name = excluded.user_name, comment = excluded.comment`,
  insertAudit: `
    INSERT INTO audit_log (ts, actor, action, device, point, old_value, new_value, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET old_value = excluded.old_value, new_value = excluded.new_value, outcome = excluded.outcome, detail = excluded.detail`,
  rawRange: 'SELECT ts, value, quality FROM samples WHERE sid = ? AND ts >= ? AND ts < ? ORDER BY ts',
  quarterRange: 'SELECT ts, n, sum, min, max, last, last_ts AS lastTs FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ? ORDER BY ts',
  // One calendar bucket (day, month) of one series, straight from the B-tree range: no rows cross into JS.
  // One statement per aggregate, so each reads only what it needs (quarters without data are never stored).
  bucketAvg: 'SELECT sum(sum) / sum(n) AS value FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ?',
  bucketMin: 'SELECT min(min) AS value FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ?',
  bucketMax: 'SELECT max(max) AS value FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ?',
  bucketLast: 'SELECT last AS value FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT 1',
  lastQuarterBefore: 'SELECT ts, last FROM readings_15m WHERE sid = ? AND ts < ? AND last IS NOT NULL ORDER BY ts DESC LIMIT 1',
  quarterLasts: 'SELECT ts, last AS value FROM readings_15m WHERE sid = ? AND ts >= ? AND ts < ? AND last IS NOT NULL ORDER BY ts',
  expireSamples: 'DELETE FROM samples WHERE sid = ? AND ts < ?',
  expireQuarters: 'DELETE FROM readings_15m WHERE sid = ? AND ts < ?',
} as const;
