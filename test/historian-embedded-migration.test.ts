// The embedded store's schema migration from version 1 (TEXT keys, `latest` table) to version 2 (integer
// series ids, latest kept in `series`): the data written before the upgrade is all still there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { EMBEDDED_MIGRATIONS } from '../runtime/historian/embedded-schema.ts';
import { createLogger } from '../runtime/log.ts';

const Q = 15 * 60_000;
const T0 = Date.UTC(2025, 0, 1);

describe('embedded historian: migration 1 → 2, latest values across restarts', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-migrate-'));
    const db = new DatabaseSync(join(dir, 'historian.db'));
    db.exec(EMBEDDED_MIGRATIONS.find((m) => m.version === 1)!.sql);
    db.exec('PRAGMA user_version = 1');
    const s = db.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?)');
    s.run('d1', 'p', T0, 10, 'good');
    s.run('d1', 'p', T0 + 60_000, 20, 'good');
    s.run('d1', 'p', T0 + Q, null, 'sensor-break');
    db.prepare('INSERT INTO readings_15m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('d1', 'p', T0, 2, 30, 10, 20, 20, T0 + 60_000);
    // A series that only has 15-minute readings left (its samples expired).
    db.prepare('INSERT INTO readings_15m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('old', 'e', T0, 1, 5, 5, 5, 5, T0);
    db.prepare('INSERT INTO latest VALUES (?, ?, ?, ?, ?)').run('d1', 'p', T0 + Q, null, 'sensor-break');
    db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps samples, quarters and latest values, and goes on writing', async function () {
    const h = new EmbeddedHistorian(dir, { liveRetentionDays: 3650 }, createLogger('test', 'error'));
    await h.start();
    try {
      const [raw] = await h.queryRange({ devices: ['d1'], points: ['p'], from: T0, to: T0 + 2 * Q, interval: 'raw' });
      assert.deepEqual(raw!.rows.map((r) => r.value), [10, 20, null]);
      const [quarters] = await h.queryRange({ devices: ['d1', 'old'], points: ['p'], from: T0, to: T0 + 2 * Q, interval: '15m', agg: 'avg' });
      assert.deepEqual(quarters!.rows.map((r) => r.value), [15, null]);
      const [old] = await h.queryRange({ devices: ['old'], points: ['e'], from: T0, to: T0 + Q, interval: '15m', agg: 'last' });
      assert.equal(old!.rows[0]!.value, 5);
      assert.deepEqual((await h.latest()).map((r) => ({ ...r })), [{ device: 'd1', point: 'p', ts: T0 + Q, value: null, quality: 'sensor-break' }]);
      h.writeSamples([{ device: 'd1', point: 'p', ts: T0 + 2 * 60_000, value: 60, quality: 'good' }]);
      await h.flush();
      const [after] = await h.queryRange({ devices: ['d1'], points: ['p'], from: T0, to: T0 + Q, interval: '15m', agg: 'avg' });
      assert.equal(after!.rows[0]!.value, 30);
    } finally {
      await h.close();
    }
  });

  it('keeps latest values across a restart, also when the process ended without close()', async function () {
    const log = createLogger('test', 'error');
    const a = new EmbeddedHistorian(dir, { liveRetentionDays: 3650 }, log);
    await a.start();
    a.writeSamples([{ device: 'd1', point: 'p', ts: T0 + 2 * Q, value: 7, quality: 'good' }, { device: 'd2', point: 'p', ts: T0, value: 1, quality: 'good' }]);
    await a.flush();
    // Not closed: the latest values were never written back to `series`; a second process finds them in the samples.
    const b = new EmbeddedHistorian(dir, { liveRetentionDays: 3650 }, log);
    await b.start();
    const latest = (await b.latest()).map((r) => [r.device, r.ts, r.value]).sort();
    assert.deepEqual(latest, [['d1', T0 + 2 * Q, 7], ['d2', T0, 1]]);
    await b.close();
    await a.close();
    const c = new EmbeddedHistorian(dir, { liveRetentionDays: 3650 }, log);
    await c.start();
    assert.deepEqual((await c.latest(['d1'], ['p'])).map((r) => r.value), [7]);
    await c.close();
  });
});
