// Numbered schema migrations of the config store. Append only: a migration that has shipped is never
// edited, because users' databases already carry it. Each capability adds its tables here.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users and sessions',
    sql: `
      CREATE TABLE users (
        username      TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'operator', 'viewer')),
        language      TEXT NOT NULL DEFAULT 'en',
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,
        username    TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions(username);
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'devices, smart groups and user templates',
    // Connection, tags and meters are JSON: they are read whole with the device, and tags are
    // filtered with json_each (10,000 devices at most per runtime, so no side table is needed).
    sql: `
      CREATE TABLE devices (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        model       TEXT NOT NULL,
        application TEXT,
        template_id TEXT,
        connection  TEXT NOT NULL,
        address     TEXT NOT NULL DEFAULT '',
        lat         REAL,
        lon         REAL,
        tags        TEXT NOT NULL DEFAULT '[]',
        meters      TEXT NOT NULL DEFAULT '[]',
        enabled     INTEGER NOT NULL DEFAULT 1,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      CREATE INDEX devices_by_name ON devices(name COLLATE NOCASE);
      CREATE INDEX devices_by_model ON devices(model, application);
      CREATE TABLE smart_groups (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        filter      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      CREATE TABLE user_templates (
        id         TEXT PRIMARY KEY,
        body       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'alarm rules, alarm states and the notification queue',
    // Rules and alarm instances are JSON bodies read whole (a few thousand rows at most are not normal);
    // alarms in the normal state with nothing pending have no row. The notification queue keeps every mail
    // until it is sent or given up, so a restart loses none.
    sql: `
      CREATE TABLE alarm_rules (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('threshold', 'controller', 'offline')),
        body       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE alarm_states (
        id         TEXT PRIMARY KEY,
        rule_id    TEXT NOT NULL,
        device     TEXT NOT NULL,
        body       TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX alarm_states_by_device ON alarm_states(device);
      CREATE TABLE notify_queue (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        receiver    TEXT NOT NULL,
        language    TEXT NOT NULL,
        kind        TEXT NOT NULL,
        alarm_id    TEXT NOT NULL,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dropped')),
        due_at      INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        created_at  INTEGER NOT NULL,
        sent_at     INTEGER
      );
      CREATE INDEX notify_queue_due ON notify_queue(state, due_at);
    `,
  },
  {
    version: 4,
    name: 'API tokens',
    // Only the SHA-256 of a token's secret is stored; the prefix (first characters after hg_) lets a
    // person recognise a token in lists and logs without it being usable.
    sql: `
      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        secret_hash  TEXT NOT NULL UNIQUE,
        prefix       TEXT NOT NULL,
        scopes       TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        revoked_at   INTEGER,
        last_used_at INTEGER
      );
    `,
  },
  {
    version: 5,
    name: 'report definitions, runs and deliveries',
    // Definitions are JSON bodies read whole. schedule_from is the instant after which a definition's
    // schedule counts (set when a schedule is created or changed), so a run missed while the runtime was down
    // is found on start; UNIQUE(definition_id, scheduled_for) makes each due time run exactly once.
    sql: `
      CREATE TABLE report_definitions (
        id            TEXT PRIMARY KEY,
        body          TEXT NOT NULL,
        schedule_from INTEGER,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE TABLE report_runs (
        id            TEXT PRIMARY KEY,
        definition_id TEXT,
        definition    TEXT NOT NULL,
        trigger_kind  TEXT NOT NULL CHECK (trigger_kind IN ('manual', 'schedule', 'catch-up')),
        scheduled_for INTEGER,
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        period_from   INTEGER NOT NULL,
        period_to     INTEGER NOT NULL,
        devices       INTEGER NOT NULL DEFAULT 0,
        done          INTEGER NOT NULL DEFAULT 0,
        files         TEXT NOT NULL DEFAULT '[]',
        error         TEXT,
        created_at    INTEGER NOT NULL,
        started_at    INTEGER,
        finished_at   INTEGER,
        expires_at    INTEGER,
        UNIQUE (definition_id, scheduled_for)
      );
      CREATE INDEX report_runs_by_definition ON report_runs(definition_id, created_at);
      CREATE INDEX report_runs_by_status ON report_runs(status);
      CREATE TABLE report_deliveries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      TEXT NOT NULL REFERENCES report_runs(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('mail')),
        receiver    TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
        due_at      INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        sent_at     INTEGER
      );
      CREATE INDEX report_deliveries_due ON report_deliveries(state, due_at);
      CREATE INDEX report_deliveries_by_run ON report_deliveries(run_id);
    `,
  },
  {
    version: 6,
    name: 'per-user settings',
    // The operator app's per-user settings (display units, start-portal layout) as JSON, one row per user;
    // the language stays in users.language, where login answers it. A removed user takes its row along.
    sql: `
      CREATE TABLE user_settings (
        username   TEXT PRIMARY KEY REFERENCES users(username) ON DELETE CASCADE,
        units      TEXT,
        portal     TEXT,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
