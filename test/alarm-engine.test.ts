// Alarm engine features with a controlled clock: deadband, on/off delays, re-alarm, schedules across DST,
// shelving expiry, suppression by offline, controller alarms, validation, restart, load figures.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { AlarmService } from '../runtime/alarms/alarm-service.ts';
import { AlarmError } from '../runtime/alarms/rule-validation.ts';
import { inSchedule } from '../runtime/alarms/schedule.ts';
import { computeLoadFigures } from '../runtime/alarms/load-figures.ts';
import type { AlarmEvent } from '../runtime/historian/historian.ts';
import type { AlarmEventMessage } from '../runtime/alarms/types.ts';
import type { PollPayload } from '../runtime/readings.ts';
import { tempDataDir } from './support/runtime-process.ts';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // Monday 13:00 Copenhagen

class TestClock {
  t: number;
  constructor(t = T0) { this.t = t; }
  now = () => this.t;
  advance(ms: number) { this.t += ms; }
}

class MemoryJournal {
  events: AlarmEvent[] = [];
  writeAlarmEvents(events: readonly AlarmEvent[]) { this.events.push(...events); }
  async queryAlarmEvents(q: { from: number; to: number; alarmIds?: string[] }) {
    return this.events.filter((e) => e.ts >= q.from && e.ts < q.to && (!q.alarmIds || q.alarmIds.includes(e.alarmId)));
  }
}

function poll(device: string, ts: number, readings: Record<string, number | null>, quality: PollPayload['quality'] = {}): PollPayload {
  return { device: { id: device, name: device.toUpperCase() }, ts, application: 'A266.1', readings, quality };
}

describe('alarm engine', function () {
  let dir: string;
  let store: ConfigStore;
  let clock: TestClock;
  let journal: MemoryJournal;
  let alarms: AlarmService;
  let events: AlarmEventMessage[];

  function open() {
    store = new ConfigStore(dir);
    alarms = new AlarmService({ store, historian: journal, timeZone: 'Europe/Copenhagen', clock, tickMs: 0, installDefaults: false });
    alarms.on('event', (e) => events.push(e));
  }
  function feed(device: string, value: number | null, extra: Record<string, number | null> = {}) {
    alarms.processPoll(poll(device, clock.now(), { supply_temp_c: value, ...extra }));
  }
  const state = (id: string) => alarms.engine.get(id)?.state ?? 'normal';

  beforeEach(function () {
    dir = tempDataDir('heatgrid-alarms-');
    clock = new TestClock();
    journal = new MemoryJournal();
    events = [];
    open();
  });
  afterEach(function () {
    alarms.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises a high alarm and clears it only past the deadband; ack walks the ISA-18.2 states', function () {
    alarms.createRule({ id: 'hot', name: 'Supply too hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, deadband: 2 });
    feed('d1', 89);
    assert.equal(state('hot:d1'), 'normal');
    feed('d1', 91);
    assert.equal(state('hot:d1'), 'active-unacknowledged');
    clock.advance(10_000);
    feed('d1', 89); // below the limit, inside the deadband: still active
    assert.equal(state('hot:d1'), 'active-unacknowledged');
    clock.advance(10_000);
    feed('d1', 87.9);
    assert.equal(state('hot:d1'), 'returned-unacknowledged');
    alarms.acknowledge('hot:d1', { user: 'olga', comment: 'seen' });
    assert.equal(state('hot:d1'), 'normal');
    assert.deepEqual(journal.events.map((e) => `${e.stateFrom}>${e.stateTo}:${e.user}`), [
      'normal>active-unacknowledged:system', 'active-unacknowledged>returned-unacknowledged:system', 'returned-unacknowledged>normal:olga',
    ]);
    assert.equal(journal.events[2]!.comment, 'seen');
    assert.deepEqual(events.map((e) => e.type), ['raised', 'returned', 'acknowledged']);
  });

  it('low, band and rate-of-change conditions', function () {
    alarms.createRule({ id: 'cold', name: 'cold', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'low', limit: 50 } });
    alarms.createRule({ id: 'band', name: 'band', kind: 'threshold', point: 'return_temp_c', condition: { type: 'band', low: 20, high: 40 }, deadband: 1 });
    alarms.createRule({ id: 'jump', name: 'jump', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'rate', limit: 5 } });
    feed('d1', 60, { return_temp_c: 30 });
    clock.advance(60_000);
    feed('d1', 49, { return_temp_c: 41 }); // -11/min, below 50, above band
    assert.equal(state('cold:d1'), 'active-unacknowledged');
    assert.equal(state('band:d1'), 'active-unacknowledged');
    assert.equal(state('jump:d1'), 'active-unacknowledged');
    assert.equal(alarms.get('jump:d1').value, 11);
    clock.advance(60_000);
    feed('d1', 52, { return_temp_c: 39.5 }); // +3/min; band: inside but within deadband
    assert.equal(state('cold:d1'), 'returned-unacknowledged');
    assert.equal(state('band:d1'), 'active-unacknowledged');
    assert.equal(state('jump:d1'), 'returned-unacknowledged');
  });

  it('on-delay raises only after the condition held; off-delay returns only after it was gone', function () {
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, onDelayS: 60, offDelayS: 120 });
    feed('d1', 95);
    clock.advance(30_000);
    feed('d1', 95);
    assert.equal(state('hot:d1'), 'normal');
    clock.advance(10_000);
    feed('d1', 80); // gone before the delay: no alarm
    clock.advance(120_000);
    alarms.tick();
    assert.equal(state('hot:d1'), 'normal');
    feed('d1', 95);
    clock.advance(59_999);
    alarms.tick();
    assert.equal(state('hot:d1'), 'normal');
    clock.advance(1);
    alarms.tick(); // no new reading needed: the condition persisted for the delay
    assert.equal(state('hot:d1'), 'active-unacknowledged');
    assert.equal(alarms.get('hot:d1').activeSince, clock.now());
    alarms.acknowledge('hot:d1', { user: 'olga' });
    feed('d1', 80);
    clock.advance(60_000);
    feed('d1', 96); // back before the off-delay: stays active, delay restarts
    feed('d1', 80);
    clock.advance(119_000);
    alarms.tick();
    assert.equal(state('hot:d1'), 'active-acknowledged');
    clock.advance(1000);
    alarms.tick();
    assert.equal(state('hot:d1'), 'normal');
    assert.equal(alarms.engine.get('hot:d1'), null, 'a normal alarm with nothing pending is forgotten');
  });

  it('re-alarms an acknowledged alarm that stays active for the re-alarm time', function () {
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, reAlarmS: 3600 });
    feed('d1', 95);
    alarms.acknowledge('hot:d1', { user: 'olga', comment: 'on it' });
    clock.advance(3_599_000);
    alarms.tick();
    assert.equal(state('hot:d1'), 'active-acknowledged');
    clock.advance(1000);
    alarms.tick();
    assert.equal(state('hot:d1'), 'active-unacknowledged');
    assert.equal(events.at(-1)!.type, 're-alarmed');
    assert.throws(() => alarms.acknowledge('nope', { user: 'x' }), (e: AlarmError) => e.code === 'alarm_not_found');
    alarms.acknowledge('hot:d1', { user: 'olga' });
    assert.throws(() => alarms.acknowledge('hot:d1', { user: 'olga' }), (e: AlarmError) => e.code === 'invalid_transition');
    assert.throws(() => alarms.acknowledge('hot:d1', { user: '' }), (e: AlarmError) => e.code === 'invalid_request');
  });

  it('schedules follow local wall-clock time across DST', function () {
    const tz = 'Europe/Copenhagen';
    const workHours = { days: [1, 2, 3, 4, 5], from: '07:00', to: '16:00' };
    // Friday 27 March 2026 (CET, UTC+1) and Monday 30 March 2026 (CEST, UTC+2).
    assert.equal(inSchedule(workHours, Date.UTC(2026, 2, 27, 6, 0), tz), true); // 07:00 CET
    assert.equal(inSchedule(workHours, Date.UTC(2026, 2, 27, 5, 59), tz), false);
    assert.equal(inSchedule(workHours, Date.UTC(2026, 2, 30, 5, 0), tz), true); // 07:00 CEST
    assert.equal(inSchedule(workHours, Date.UTC(2026, 2, 30, 4, 59), tz), false);
    assert.equal(inSchedule(workHours, Date.UTC(2026, 2, 29, 10, 0), tz), false); // Sunday
    const nights = { days: [7], from: '22:00', to: '06:00' };
    assert.equal(inSchedule(nights, Date.UTC(2026, 9, 25, 23, 30), tz), true); // Monday 00:30 CET belongs to Sunday's night (DST ended that night)
    assert.equal(inSchedule(nights, Date.UTC(2026, 9, 26, 5, 30), tz), false); // 06:30 CET
    assert.equal(inSchedule(nights, Date.UTC(2026, 9, 26, 4, 59), tz), true); // 05:59 CET

    clock.t = Date.UTC(2026, 2, 30, 4, 30); // Monday 06:30 CEST: outside the window
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, schedule: workHours });
    feed('d1', 95);
    assert.equal(state('hot:d1'), 'normal');
    clock.advance(30 * 60_000); // 07:00 CEST: the standing condition raises at the window's start
    alarms.tick();
    assert.equal(state('hot:d1'), 'active-unacknowledged');
  });

  it('shelving hides an alarm until it expires, with who, why and until in the journal', function () {
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 } });
    feed('d1', 95);
    assert.throws(() => alarms.shelve('hot:d1', { user: 'olga', durationS: 3600 }), (e: AlarmError) => e.code === 'invalid_request');
    const shelved = alarms.shelve('hot:d1', { user: 'olga', comment: 'sensor replaced tomorrow', durationS: 3600 });
    assert.equal(shelved.displayState, 'shelved');
    assert.equal(alarms.hasActiveAlarm('d1'), false);
    assert.equal(events.at(-1)!.annunciate, false);
    clock.advance(3_600_000);
    alarms.tick();
    assert.equal(alarms.get('hot:d1').displayState, 'active-unacknowledged');
    const last = journal.events.at(-1)!;
    assert.deepEqual([last.stateFrom, last.stateTo, last.user, last.comment], ['shelved', 'active-unacknowledged', 'system', 'shelving expired']);
    const shelve = journal.events.find((e) => e.stateTo === 'shelved')!;
    assert.equal(shelve.user, 'olga');
    assert.match(shelve.comment!, /sensor replaced tomorrow \(until 2026-/);
    alarms.shelve('hot:d1', { user: 'olga', comment: 'again', durationS: 60 });
    alarms.unshelve('hot:d1', { user: 'per', comment: 'fixed' });
    assert.equal(alarms.get('hot:d1').shelved, null);
    assert.throws(() => alarms.shelve('hot:d1', { user: 'olga', comment: 'x', durationS: 30 * 86_400 }), (e: AlarmError) => e.code === 'invalid_request');
  });

  it('offline: an alarm after the configured silence; the device\'s threshold alarms are suppressed and say so', function () {
    alarms.createRule({ id: 'offline', name: 'offline', kind: 'offline', afterS: 900 });
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 } });
    feed('d1', 95);
    assert.equal(alarms.hasActiveAlarm('d1'), true);
    clock.advance(30_000);
    alarms.recordStatus({ device: 'd1', state: 'offline', ts: clock.now(), reason: 'timeout' });
    const hot = alarms.get('hot:d1');
    assert.equal(hot.displayState, 'suppressed');
    assert.match(hot.suppressed!.reason, /device offline \(timeout\)/);
    assert.equal(events.at(-1)!.type, 'suppressed');
    clock.advance(869_999);
    alarms.tick();
    assert.equal(state('offline:d1'), 'normal');
    clock.advance(1);
    alarms.tick();
    assert.equal(state('offline:d1'), 'active-unacknowledged');
    assert.match(alarms.get('offline:d1').message, /no successful poll since/);
    feed('d1', 80); // back: unsuppressed, threshold returns, offline returns
    assert.equal(alarms.get('hot:d1').suppressed, null);
    assert.equal(state('hot:d1'), 'returned-unacknowledged');
    alarms.tick();
    assert.equal(state('offline:d1'), 'returned-unacknowledged');
    assert.ok(journal.events.some((e) => e.alarmId === 'hot:d1' && e.stateFrom === 'suppressed' && e.comment === 'device online again'));
  });

  it('controller alarms: each set bit of PNU 1025/1024 is an alarm with the same lifecycle', function () {
    alarms.createRule({ id: 'ctrl', name: 'controller', kind: 'controller', onDelayS: 0 });
    feed('d1', 60, { controller_alarms_1_16: 0b101, controller_alarms_17_32: 1 });
    assert.deepEqual(alarms.list().items.map((a) => a.id).sort(), ['ctrl:d1:1', 'ctrl:d1:17', 'ctrl:d1:3']);
    assert.equal(alarms.get('ctrl:d1:3').point, 'controller_alarm_3');
    clock.advance(10_000);
    feed('d1', 60, { controller_alarms_1_16: 0b001, controller_alarms_17_32: null }); // unreadable half: no change
    assert.equal(state('ctrl:d1:3'), 'returned-unacknowledged');
    assert.equal(state('ctrl:d1:17'), 'active-unacknowledged');
  });

  it('validates rules listing every problem', function () {
    try {
      alarms.createRule({ name: '', kind: 'threshold', point: 'Bad Key', condition: { type: 'band', low: 5, high: 1 }, priority: 'urgent', onDelayS: -1, schedule: { days: [8], from: '7:00', to: '16:00' }, receivers: [{ email: 'nope', language: 'en' }, { email: 'a@b.dk', language: 'fi' }], extra: 1 });
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof AlarmError);
      assert.equal(err.code, 'invalid_rule');
      const fields = err.details.map((d) => d.field).sort();
      assert.deepEqual(fields, ['condition', 'extra', 'name', 'onDelayS', 'point', 'priority', 'receivers[0].email', 'receivers[1].language', 'schedule.days', 'schedule.from'].sort());
      assert.deepEqual(Object.keys(err.toJSON()), ['code', 'message', 'details']);
    }
    const rule = alarms.createRule({ name: 'Return too warm', kind: 'threshold', point: 'return_temp_c', condition: { type: 'high', limit: 45 }, devices: { devices: ['a', 'b'] } });
    assert.equal(rule.id, 'return-too-warm');
    assert.throws(() => alarms.createRule({ id: 'return-too-warm', name: 'x', kind: 'offline' }), (e: AlarmError) => e.code === 'rule_exists');
    assert.equal(alarms.updateRule('return-too-warm', { priority: 'critical' }).priority, 'critical');
    assert.throws(() => alarms.updateRule('return-too-warm', { kind: 'offline' }), (e: AlarmError) => e.code === 'invalid_rule');
    feed('c', 99, { return_temp_c: 99 });
    assert.equal(alarms.list().total, 0, 'the rule covers only devices a and b');
    alarms.deleteRule('return-too-warm');
    assert.throws(() => alarms.getRule('return-too-warm'), (e: AlarmError) => e.code === 'rule_not_found');
  });

  it('a restart keeps rules, states, acknowledgements and shelving', function () {
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, onDelayS: 60 });
    feed('d1', 95);
    feed('d2', 95);
    feed('d3', 95);
    clock.advance(60_000);
    alarms.tick();
    alarms.acknowledge('hot:d2', { user: 'olga' });
    alarms.shelve('hot:d3', { user: 'olga', comment: 'known', durationS: 600 });
    feed('d4', 95); // pending on-delay
    alarms.close();
    store.close();

    clock.advance(30_000);
    open();
    assert.equal(state('hot:d1'), 'active-unacknowledged');
    assert.equal(state('hot:d2'), 'active-acknowledged');
    assert.equal(alarms.get('hot:d3').displayState, 'shelved');
    clock.advance(30_000);
    alarms.tick(); // the on-delay started before the restart
    assert.equal(state('hot:d4'), 'active-unacknowledged');
    feed('d1', 80);
    assert.equal(state('hot:d1'), 'returned-unacknowledged');
    clock.advance(600_000);
    alarms.tick();
    assert.equal(alarms.get('hot:d3').shelved, null);
  });

  it('load figures: alarms per 10 min, flood, standing, chattering, top 10', async function () {
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, priority: 'high' });
    const start = clock.now();
    for (let i = 0; i < 12; i++) feed(`f${i}`, 95); // a flood in one 10-minute bucket
    for (let i = 0; i < 4; i++) { // d-chatter chatters: 4 activations within a minute
      clock.advance(10_000);
      feed('chatter', 95);
      clock.advance(1000);
      feed('chatter', 80);
      alarms.acknowledge('hot:chatter', { user: 'olga' });
    }
    clock.advance(25 * 3_600_000);
    const figures = await alarms.loadFigures({ from: start, to: clock.now() });
    assert.equal(figures.alarms, 16);
    assert.equal(figures.perTenMinutes.peak, 16);
    assert.equal(figures.flood.buckets, 1);
    assert.equal(figures.flood.timeMs, 600_000);
    assert.equal(figures.standing.length, 12);
    assert.deepEqual(figures.chattering.map((c) => [c.alarmId, c.activations]), [['hot:chatter', 4]]);
    assert.equal(figures.top[0]!.alarmId, 'hot:chatter');
    assert.equal(figures.top.length, 10);
    assert.equal(figures.priorities.high, 16);
    assert.equal(computeLoadFigures([], 0, 600_000).alarms, 0);
  });

  it('a node-local rule evaluates only when asked, and its alarms persist like stored ones', function () {
    alarms.putLocalRule({ id: 'node-abc', name: 'node rule', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 70 } });
    assert.equal(alarms.listRules().length, 0);
    feed('d1', 75);
    assert.equal(state('node-abc:d1'), 'normal');
    alarms.processPoll(poll('d1', clock.now(), { supply_temp_c: 75 }), { registry: false, localRuleIds: ['node-abc'] });
    assert.equal(state('node-abc:d1'), 'active-unacknowledged');
    alarms.removeLocalRule('node-abc', true);
    assert.equal(alarms.engine.get('node-abc:d1'), null);
  });
});
