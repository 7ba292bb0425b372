// QuestDB schema: created (IF NOT EXISTS) and brought in line with the configured retention at every start.
// Narrow tables: (ts, device SYMBOL, point SYMBOL, value, quality SYMBOL); see docs/historian.md for why.
// DEDUP UPSERT KEYS make every re-send (client retries, store-and-forward replay) idempotent.
export const QDB_TABLES = {
  samples: 'hg_samples',
  readings15m: 'hg_readings_15m',
  alarms: 'hg_alarm_journal',
  audit: 'hg_audit_log',
} as const;

export function questdbSchema(liveRetentionDays: number, readingsRetentionYears: number): string[] {
  const t = QDB_TABLES;
  return [
    `CREATE TABLE IF NOT EXISTS ${t.samples} (ts TIMESTAMP, device SYMBOL, point SYMBOL, value DOUBLE, quality SYMBOL)
      TIMESTAMP(ts) PARTITION BY HOUR TTL ${liveRetentionDays} DAYS WAL DEDUP UPSERT KEYS(ts, device, point)`,
    // Derived by QuestDB as samples arrive (incremental refresh); the view's keys (ts, device, point) are the
    // base table's DEDUP keys, as QuestDB requires. ts = start of the quarter hour.
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.readings15m} WITH BASE ${t.samples} REFRESH IMMEDIATE AS (
      SELECT ts, device, point, last_not_null(value) AS last, avg(value) AS avg, min(value) AS min, max(value) AS max, count(value) AS n
      FROM ${t.samples} SAMPLE BY 15m) PARTITION BY DAY TTL ${readingsRetentionYears} YEARS`,
    `CREATE TABLE IF NOT EXISTS ${t.alarms} (ts TIMESTAMP, alarm_id SYMBOL, rule_id SYMBOL, device SYMBOL, point SYMBOL,
      state_from SYMBOL, state_to SYMBOL, priority INT, value DOUBLE, limit_value DOUBLE, user_name SYMBOL, comment VARCHAR)
      TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, alarm_id, state_to)`,
    `CREATE TABLE IF NOT EXISTS ${t.audit} (ts TIMESTAMP, actor SYMBOL, action SYMBOL, device SYMBOL, point SYMBOL,
      old_value VARCHAR, new_value VARCHAR, outcome SYMBOL, detail VARCHAR)
      TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, actor, action, device, point)`,
    // Retention follows the configuration on every start.
    `ALTER TABLE ${t.samples} SET TTL ${liveRetentionDays} DAYS`,
    `ALTER MATERIALIZED VIEW ${t.readings15m} SET TTL ${readingsRetentionYears} YEARS`,
  ];
}
