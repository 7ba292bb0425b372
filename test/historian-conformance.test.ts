// One conformance suite, run against both backends: embedded (always) and a real QuestDB server (when the
// jar is available; required in CI). Expected values are computed here from the generated readings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PollPayload } from '../runtime/readings.ts';
import type { Historian } from '../runtime/historian/historian.ts';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { QuestDbHistorian } from '../runtime/historian/questdb-historian.ts';
import { createLogger } from '../runtime/log.ts';
import { QuestDbServer, questdbSkipReason } from './support/questdb.ts';

const MIN = 60_000;
const Q = 15 * MIN;
const H = 60 * MIN;
// 2025-03-29 00:00 UTC .. 2025-04-02 00:00 UTC spans the EU spring-forward day (2025-03-30, 23 h in Copenhagen).
const T0 = Date.UTC(2025, 2, 29);
const T1 = Date.UTC(2025, 3, 2);
const STEP = 5 * MIN;
const GAP_FROM = Date.UTC(2025, 2, 29, 6); // no polls at all for two hours
const GAP_TO = Date.UTC(2025, 2, 29, 8);
const RESET_AT = Date.UTC(2025, 2, 31, 12); // the energy meter is replaced: counter restarts at 0
const DEVICES = ['sub-1', "sub-'2"];

function supply(i: number, d: number): number {
  return 60 + ((i * 7 + d * 3) % 11);
}

function polls(): PollPayload[] {
  const out: PollPayload[] = [];
  for (let d = 0; d < DEVICES.length; d++) {
    let energy = 1000 * (d + 1);
    for (let ts = T0, i = 0; ts < T1; ts += STEP, i++) {
      if (ts >= GAP_FROM && ts < GAP_TO) continue;
      energy = ts === RESET_AT ? 0.5 : energy + 1 + d;
      const broken = i % 50 === 7; // a sensor break: value null with its quality
      out.push({
        device: { id: DEVICES[d]!, name: `Substation ${d}` }, ts, application: 'A266.1',
        readings: { supply_temp_c: broken ? null : supply(i, d), heat_energy_kwh: energy },
        quality: { supply_temp_c: broken ? 'sensor-break' : 'good', heat_energy_kwh: 'good' },
      });
    }
  }
  return out;
}
const POLLS = polls();

function values(device: string, point: 'supply_temp_c' | 'heat_energy_kwh', from: number, to: number): Array<{ ts: number; v: number }> {
  return POLLS.filter((p) => p.device.id === device && p.ts >= from && p.ts < to && p.readings[point] !== null).map((p) => ({ ts: p.ts, v: p.readings[point]! }));
}

function near(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: expected ${expected}, got ${actual}`);
}

function conformance(name: string, make: () => Promise<{ historian: Historian; reopen?: () => Promise<Historian>; cleanup: () => Promise<void> }>) {
  describe(`historian conformance: ${name}`, function () {
    this.timeout(120_000);
    let h: Historian;
    let cleanup: () => Promise<void>;

    before(async function () {
      ({ historian: h, cleanup } = await make());
      for (const p of POLLS) h.writePoll(p);
      h.writeAlarmEvents([
        { ts: T0 + H, alarmId: 'a1', ruleId: 'r-supply-high', device: 'sub-1', point: 'supply_temp_c', stateFrom: 'normal', stateTo: 'active-unacked', priority: 2, value: 95.5, limit: 90, user: null, comment: null },
        { ts: T0 + 2 * H, alarmId: 'a1', ruleId: 'r-supply-high', device: 'sub-1', point: 'supply_temp_c', stateFrom: 'active-unacked', stateTo: 'active-acked', priority: 2, value: null, limit: 90, user: 'olga', comment: 'crew sent' },
        { ts: T0 + 3 * H, alarmId: 'a2', ruleId: 'r-offline', device: "sub-'2", point: null, stateFrom: 'normal', stateTo: 'active-unacked', priority: 1, value: null, limit: null, user: null, comment: null },
      ]);
      h.writeAudit([
        { ts: T0 + H, actor: 'olga', action: 'setpoint.write', device: 'sub-1', point: 'supply_setpoint_c', oldValue: 70, newValue: 72.5, outcome: 'ok', detail: null },
        { ts: T0 + 2 * H, actor: 'token:billing', action: 'export', device: null, point: null, oldValue: null, newValue: 'csv', outcome: 'refused', detail: 'role viewer' },
      ]);
      await h.flush();
    });
    after(async function () {
      await h?.close();
      await cleanup?.();
    });

    it('returns raw samples as stored, with quality, and a gap as absent rows', async function () {
      const [s] = await h.queryRange({ devices: ['sub-1'], points: ['supply_temp_c'], from: T0, to: T0 + 12 * H, interval: 'raw' });
      const expected = POLLS.filter((p) => p.device.id === 'sub-1' && p.ts < T0 + 12 * H);
      assert.equal(s!.rows.length, expected.length);
      assert.deepEqual(s!.rows.map((r) => r.ts), expected.map((p) => p.ts));
      const broken = s!.rows.find((r) => r.quality === 'sensor-break');
      assert.ok(broken && broken.value === null, 'a sensor break is stored as null with its quality');
      assert.ok(!s!.rows.some((r) => r.ts >= GAP_FROM && r.ts < GAP_TO));
    });

    it('is idempotent: re-sending the same readings changes nothing', async function () {
      for (const p of POLLS.slice(0, 300)) h.writePoll(p);
      await h.flush();
      const [raw] = await h.queryRange({ devices: ['sub-1'], points: ['supply_temp_c'], from: T0, to: T1, interval: 'raw' });
      assert.equal(raw!.rows.length, POLLS.filter((p) => p.device.id === 'sub-1').length);
      const [q] = await h.queryRange({ devices: ['sub-1'], points: ['supply_temp_c'], from: T0, to: T0 + 2 * H, interval: '15m', agg: 'avg' });
      const vs = values('sub-1', 'supply_temp_c', T0, T0 + Q);
      near(q!.rows[0]!.value, vs.reduce((a, b) => a + b.v, 0) / vs.length, 'first quarter avg after re-send');
    });

    for (const agg of ['avg', 'min', 'max', 'last'] as const) {
      for (const interval of ['15m', '1h'] as const) {
        it(`aggregates ${interval} ${agg} on the quarter-hour grid, with gaps as null buckets`, async function () {
          const from = T0 + 4 * H;
          const to = T0 + 10 * H;
          const [s] = await h.queryRange({ devices: ["sub-'2"], points: ['supply_temp_c'], from, to, interval, agg });
          const step = interval === '15m' ? Q : H;
          assert.equal(s!.rows.length, (to - from) / step);
          for (const r of s!.rows) {
            const vs = values("sub-'2", 'supply_temp_c', r.ts, r.ts + step);
            const expected = vs.length === 0 ? null
              : agg === 'avg' ? vs.reduce((a, b) => a + b.v, 0) / vs.length
              : agg === 'min' ? Math.min(...vs.map((x) => x.v))
              : agg === 'max' ? Math.max(...vs.map((x) => x.v))
              : vs[vs.length - 1]!.v;
            near(r.value, expected, `${interval} ${agg} at ${new Date(r.ts).toISOString()}`);
          }
          assert.ok(s!.rows.some((r) => r.value === null), 'the two-hour gap shows as null buckets');
        });
      }
    }

    it('aligns day buckets to local midnight in the utility time zone, DST day included', async function () {
      const [s] = await h.queryRange({ devices: ['sub-1'], points: ['supply_temp_c'], from: Date.UTC(2025, 2, 29, 23), to: Date.UTC(2025, 2, 31, 22), interval: '1d', agg: 'avg', timeZone: 'Europe/Copenhagen' });
      // 30 March 2025 in Copenhagen starts 23:00 UTC the day before (CET) and lasts 23 hours (then CEST).
      assert.deepEqual(s!.rows.map((r) => r.ts), [Date.UTC(2025, 2, 29, 23), Date.UTC(2025, 2, 30, 22)]);
      for (const r of s!.rows) {
        const end = r.ts === Date.UTC(2025, 2, 29, 23) ? Date.UTC(2025, 2, 30, 22) : Date.UTC(2025, 2, 31, 22);
        const vs = values('sub-1', 'supply_temp_c', r.ts, end);
        near(r.value, vs.reduce((a, b) => a + b.v, 0) / vs.length, `day avg ${new Date(r.ts).toISOString()}`);
      }
      const [utc] = await h.queryRange({ devices: ['sub-1'], points: ['supply_temp_c'], from: T0, to: T0 + 2 * 24 * H, interval: '1d', agg: 'max' });
      assert.deepEqual(utc!.rows.map((r) => r.ts), [T0, T0 + 24 * H], 'without a time zone, days are UTC days');
    });

    it('returns month buckets, with empty months as null', async function () {
      const [s] = await h.queryRange({ devices: ['sub-1'], points: ['heat_energy_kwh'], from: Date.UTC(2025, 1, 1), to: Date.UTC(2025, 4, 1), interval: '1mo', agg: 'last', timeZone: 'Europe/Copenhagen' });
      assert.deepEqual(s!.rows.map((r) => r.ts), [Date.UTC(2025, 0, 31, 23), Date.UTC(2025, 1, 28, 23), Date.UTC(2025, 2, 31, 22), Date.UTC(2025, 3, 30, 22)].slice(0, s!.rows.length));
      assert.equal(s!.rows[0]!.value, null);
      const march = values('sub-1', 'heat_energy_kwh', T0, Date.UTC(2025, 2, 31, 22));
      near(s!.rows[1]!.value, march[march.length - 1]!.v, 'last energy reading of local March');
    });

    it('computes consumption from counters, counting through a meter reset, never negative', async function () {
      const res = await h.consumption({ devices: DEVICES, points: ['heat_energy_kwh'], from: T0, to: T1, interval: '1d', timeZone: 'UTC' });
      for (const [d, c] of res.entries()) {
        const vs = values(c.device, 'heat_energy_kwh', T0, T1);
        // 15-minute resolution: each quarter's last reading; the first one is the baseline.
        const lasts = new Map<number, number>();
        for (const x of vs) lasts.set(x.ts - (x.ts % Q), x.v);
        const seq = [...lasts.values()];
        let expected = 0;
        for (let i = 1; i < seq.length; i++) expected += seq[i]! >= seq[i - 1]! ? seq[i]! - seq[i - 1]! : seq[i]!;
        near(c.total, expected, `total ${c.device}`);
        assert.equal(c.resets, 1, 'one reset detected');
        assert.ok(c.buckets.every((b) => b.value === null || b.value >= 0));
        near(c.buckets.reduce((a, b) => a + (b.value ?? 0), 0), expected, 'buckets add up to the total');
        assert.equal(c.buckets.length, 4, `device ${d}: one bucket per day`);
      }
      const [one] = await h.consumption({ devices: ['sub-1'], points: ['heat_energy_kwh'], from: T0 + 24 * H, to: T0 + 48 * H });
      const day = values('sub-1', 'heat_energy_kwh', T0 + 24 * H - Q, T0 + 48 * H);
      near(one!.total, day[day.length - 1]!.v - values('sub-1', 'heat_energy_kwh', T0, T0 + 24 * H).at(-1)!.v, 'one total with the reading before the period as baseline');
      assert.equal(one!.buckets.length, 0);
    });

    it('returns the latest value of each series, filtered by devices and points', async function () {
      const all = await h.latest();
      assert.equal(all.length, 4);
      const one = await h.latest(["sub-'2"], ['heat_energy_kwh']);
      assert.equal(one.length, 1);
      const last = POLLS.filter((p) => p.device.id === "sub-'2").at(-1)!;
      assert.equal(one[0]!.ts, last.ts);
      assert.equal(one[0]!.value, last.readings.heat_energy_kwh);
      assert.equal(one[0]!.quality, 'good');
    });

    it('recomputes a quarter when a stored sample is corrected, and keeps re-sends idempotent', async function () {
      const dev = 'sub fix,a=b'; // characters ILP escapes
      const at = (m: number) => T0 + m * MIN;
      const write = (m: number, value: number | null, quality: 'good' | 'sensor-break' = 'good') =>
        h.writeSamples([{ device: dev, point: 'supply_temp_c', ts: at(m), value, quality }]);
      write(0, 10); write(5, 20); write(10, 30); write(15, 40);
      await h.flush();
      const quarters = async () => (await h.queryRange({ devices: [dev], points: ['supply_temp_c'], from: T0, to: T0 + 30 * MIN, interval: '15m', agg: 'avg' }))[0]!.rows.map((r) => r.value);
      assert.deepEqual(await quarters(), [20, 40]);
      write(5, 50); // corrected value
      write(10, 30); // identical re-send
      await h.flush();
      assert.deepEqual(await quarters(), [30, 40]);
      const [max] = await h.queryRange({ devices: [dev], points: ['supply_temp_c'], from: T0, to: T0 + 15 * MIN, interval: '15m', agg: 'max' });
      near(max!.rows[0]!.value, 50, 'max after the correction');
      write(15, null, 'sensor-break'); // the only sample of the second quarter becomes a gap
      await h.flush();
      assert.deepEqual(await quarters(), [30, null]);
      const [raw] = await h.queryRange({ devices: [dev], points: ['supply_temp_c'], from: T0, to: T0 + 30 * MIN, interval: 'raw' });
      assert.equal(raw!.rows.length, 4);
      const [latest] = await h.latest([dev]);
      assert.equal(latest!.ts, at(15));
      assert.equal(latest!.value, null);
      assert.equal(latest!.quality, 'sensor-break');
    });

    it('journals alarm transitions and audit entries, idempotently', async function () {
      h.writeAudit([{ ts: T0 + H, actor: 'olga', action: 'setpoint.write', device: 'sub-1', point: 'supply_setpoint_c', oldValue: 70, newValue: 72.5, outcome: 'ok', detail: null }]);
      await h.flush();
      const alarms = await h.queryAlarmEvents({ from: T0, to: T1 });
      assert.equal(alarms.length, 3);
      assert.deepEqual(alarms[1], { ts: T0 + 2 * H, alarmId: 'a1', ruleId: 'r-supply-high', device: 'sub-1', point: 'supply_temp_c', stateFrom: 'active-unacked', stateTo: 'active-acked', priority: 2, value: null, limit: 90, user: 'olga', comment: 'crew sent' });
      assert.equal(alarms[2]!.point, null);
      assert.equal((await h.queryAlarmEvents({ from: T0, to: T1, devices: ["sub-'2"] })).length, 1);
      assert.equal((await h.queryAlarmEvents({ from: T0, to: T1, alarmIds: ['a1'], ruleIds: ['r-supply-high'] })).length, 2);
      const audit = await h.queryAudit({ from: T0, to: T1 });
      assert.equal(audit.length, 2);
      assert.deepEqual(audit[0], { ts: T0 + H, actor: 'olga', action: 'setpoint.write', device: 'sub-1', point: 'supply_setpoint_c', oldValue: 70, newValue: 72.5, outcome: 'ok', detail: null });
      assert.deepEqual((await h.queryAudit({ from: T0, to: T1, actors: ['token:billing'] })).map((a) => [a.outcome, a.newValue, a.device]), [['refused', 'csv', null]]);
    });

    it('refuses malformed queries and ignores malformed writes without throwing', async function () {
      await assert.rejects(h.queryRange({ devices: [], points: ['x'], from: T0, to: T1, interval: '1h' }), /devices/);
      await assert.rejects(h.queryRange({ devices: ['a'], points: ['x'], from: T1, to: T0, interval: '1h' }), /from < to/);
      await assert.rejects(h.queryRange({ devices: ['a'], points: ['x'], from: T0, to: T1, interval: '1d', timeZone: 'Mars/Olympus' }), /time zone/);
      const before = h.health().dropped;
      h.writePoll({ nonsense: true } as unknown as PollPayload);
      h.writeSamples([{ device: '', point: 'p', ts: NaN, value: 1, quality: 'good' }]);
      assert.equal(h.health().dropped, before + 2);
      const health = h.health();
      assert.equal(health.ok, true);
      assert.equal(health.backend, name.startsWith('questdb') ? 'questdb' : 'embedded');
      assert.equal(health.bufferDepth, 0);
    });
  });
}

const quiet = createLogger('historian-test', 'error');
const opts = { liveRetentionDays: 3650, flushIntervalMs: 200 };

conformance('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heatgrid-hist-'));
  const historian = new EmbeddedHistorian(dir, opts, quiet);
  await historian.start();
  return { historian, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('historian conformance: questdb', function () {
  const reason = questdbSkipReason();
  if (reason) {
    it.skip(`skipped: ${reason}`);
    console.log(`  [historian] QuestDB suite skipped: ${reason}`);
    return;
  }
  conformance('questdb (real server)', async () => {
    const server = new QuestDbServer();
    await server.start();
    const dir = mkdtempSync(join(tmpdir(), 'heatgrid-hist-'));
    const historian = new QuestDbHistorian(server.url, dir, opts, quiet);
    await historian.start();
    return { historian, cleanup: async () => { await server.destroy(); rmSync(dir, { recursive: true, force: true }); } };
  });
});
