// End to end through real nodes: simulated ECL controllers polled over Modbus/TCP by an ecl-controller node,
// into threshold-alarm and offline-watchdog, alarm-events out; mail to a real SMTP server. A sensor break
// and a temperature over a limit raise alarms, the mail arrives, the operator acknowledges, the fault
// clears, the alarm returns to normal, and the journal holds every step.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { TemplateStore } from '../runtime/templates/template-store.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { SmartGroupService } from '../runtime/devices/smart-groups.ts';
import { SelectionResolver } from '../runtime/devices/selection.ts';
import { FleetService } from '../runtime/fleet/fleet-service.ts';
import { createHistorian } from '../runtime/historian/create-historian.ts';
import { startDemoFleet, type DemoFleet } from '../runtime/fleet/demo-fleet.ts';
import { createLogger } from '../runtime/log.ts';
import { setHeatgridServices, type HeatgridServices } from '../runtime/services.ts';
import { AlarmService } from '../runtime/alarms/alarm-service.ts';
import { Notifier } from '../runtime/notify/notifier.ts';
import type { Historian } from '../runtime/historian/historian.ts';
import type { AlarmEventMessage } from '../runtime/alarms/types.ts';
import eclControllerNode from '../nodes/ecl-controller/ecl-controller.ts';
import thresholdAlarmNode from '../nodes/threshold-alarm/threshold-alarm.ts';
import offlineWatchdogNode from '../nodes/offline-watchdog/offline-watchdog.ts';
import alarmEventsNode from '../nodes/alarm-events/alarm-events.ts';
import { tempDataDir } from './support/runtime-process.ts';
import { startSmtpServer, bodyOf } from './notify-mail.test.ts';

const require = createRequire(import.meta.url);
interface TestHelper {
  init(nodeRedPath: string): void;
  startServer(done: (err?: Error) => void): void;
  stopServer(done: (err?: Error) => void): void;
  load(nodes: unknown[], flow: unknown[], done: (err?: Error) => void): void;
  unload(): Promise<void>;
  getNode(id: string): { on(event: string, handler: (msg: { payload: unknown }) => void): void; receive(msg: unknown): void } | null;
}
const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('alarms end to end (simulator → nodes → engine → mail → ack → journal)', function () {
  this.timeout(60_000);
  let dir: string;
  let store: ConfigStore;
  let historian: Historian;
  let fleet: FleetService;
  let demo: DemoFleet | null;
  let alarms: AlarmService;
  let notifier: Notifier;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  before(function (done) { helper.startServer(done); });
  after(function (done) { helper.stopServer(done); });

  beforeEach(async function () {
    dir = tempDataDir('heatgrid-alarm-e2e-');
    store = new ConfigStore(dir);
    const log = createLogger('test', 'error');
    const templates = new TemplateStore(store);
    const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
    const groups = new SmartGroupService(store, registry);
    const selections = new SelectionResolver({ registry, groups });
    fleet = new FleetService({ resolve: (s) => selections.resolve(s, { enabledOnly: true }), templateFor: (d) => templates.templateFor(d).template });
    groups.setStatusSource(fleet.statuses);
    historian = await createHistorian({ questdbUrl: null, dataDir: dir, logLevel: 'error' }, log, { flushIntervalMs: 100 });
    demo = await startDemoFleet(registry, groups, 2, log);
    smtp = await startSmtpServer();
    alarms = new AlarmService({ store, historian, timeZone: 'Europe/Copenhagen', groups, tickMs: 100, log });
    alarms.start();
    groups.setStatusSource({ statusOf: (id) => fleet.statuses.statusOf(id), hasActiveAlarm: (id) => alarms.hasActiveAlarm(id) });
    notifier = new Notifier({ store, smtp: smtp.url, publicUrl: 'http://heatgrid.test', timeZone: 'Europe/Copenhagen', pollMs: 100, batchWindowMs: 200, log });
    notifier.attach(alarms);
    const services = { config: { timeZone: 'Europe/Copenhagen' }, store, registry, templates, groups, selections, fleet, historian, alarms } as unknown as HeatgridServices;
    setHeatgridServices(services);
  });

  afterEach(async function () {
    await helper.unload();
    await notifier.close();
    alarms.close();
    await fleet.close();
    await historian.close();
    await demo?.stop();
    await smtp.close();
    store.close();
    setHeatgridServices(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a sensor break and a supply temperature over its limit: alarm, mail, ack, return, journal', async function () {
    alarms.updateRule('controller-alarms', { receivers: [{ email: 'olga@utility.example', language: 'da' }], notifyOnReturn: true });
    const flow = [
      { id: 'poll', type: 'ecl-controller', selectionType: 'all', cadence: 1, offlineAfter: 3, wires: [['threshold', 'watchdog'], ['watchdog']] },
      {
        id: 'threshold', type: 'threshold-alarm', useRegistry: true, useLocal: true, selectionType: 'devices', selectionValue: 'sim-0002',
        point: 'supply_temp_c', conditionType: 'high', limit: 0, deadband: 1, priority: 'critical', receivers: 'hans@utility.example:de', wires: [['thresholdOut']],
      },
      { id: 'watchdog', type: 'offline-watchdog', afterMinutes: '', wires: [['watchdogOut']] },
      { id: 'events', type: 'alarm-events', minPriority: 'low', wires: [['eventsOut']] },
      { id: 'thresholdOut', type: 'helper' },
      { id: 'watchdogOut', type: 'helper' },
      { id: 'eventsOut', type: 'helper' },
    ];
    await new Promise<void>((resolve, reject) => helper.load([eclControllerNode, thresholdAlarmNode, offlineWatchdogNode, alarmEventsNode], flow, (err) => (err ? reject(err) : resolve())));
    const fromNode: AlarmEventMessage[] = [];
    const fromEvents: AlarmEventMessage[] = [];
    helper.getNode('thresholdOut')!.on('input', (msg) => fromNode.push(msg.payload as AlarmEventMessage));
    helper.getNode('eventsOut')!.on('input', (msg) => fromEvents.push(msg.payload as AlarmEventMessage));
    const t0 = Date.now();

    // The node's own rule (supply above 0 °C on sim-0002) fires on the first poll.
    const hot = await until('the supply temperature alarm', () => fromNode.find((e) => e.type === 'raised' && e.alarm.device === 'sim-0002'));
    assert.equal(hot.alarm.priority, 'critical');
    assert.equal(hot.alarm.point, 'supply_temp_c');

    // A broken sensor on sim-0001: the controller's own alarm (PNU 1025) becomes an alarm.
    await demo!.fleet.inject('sim-0001', { type: 'sensor-break', sensor: 1 });
    const raised = await until('the controller alarm', () => fromEvents.find((e) => e.type === 'raised' && e.alarm.device === 'sim-0001' && e.alarm.kind === 'controller'));
    const alarmId = raised.alarm.id;
    assert.equal(alarmId, 'controller-alarms:sim-0001:1');
    assert.ok(alarms.hasActiveAlarm('sim-0001'));

    await smtp.waitFor(2, 10_000);
    const toOlga = await until('mail to olga', () => smtp.mails.find((m) => m.to.includes('olga@utility.example')));
    const body = bodyOf(toOlga.raw);
    assert.match(body, /Alarm på .* \(sim-0001\)/);
    assert.match(body, /controller_alarm_1/);
    assert.match(body, /http:\/\/heatgrid\.test\/devices\/sim-0001/);
    assert.ok(smtp.mails.some((m) => m.to.includes('hans@utility.example') && /Alarm bei/.test(bodyOf(m.raw))));

    alarms.acknowledge(alarmId, { user: 'olga', comment: 'technician on the way' });
    assert.equal(alarms.get(alarmId).state, 'active-acknowledged');
    await demo!.fleet.clear('sim-0001', 'sensor-break');
    await until('return to normal', () => fromEvents.find((e) => e.alarm.id === alarmId && e.to === 'normal'));
    assert.equal(alarms.engine.get(alarmId), null);
    await until('the return mail', () => smtp.mails.find((m) => m.to.includes('olga@utility.example') && /^Subject: \[OK\]/m.test(m.raw)));

    await historian.flush();
    const journal = await historian.queryAlarmEvents({ from: t0 - 1000, to: Date.now() + 1000, alarmIds: [alarmId] });
    assert.deepEqual(journal.map((e) => `${e.stateFrom}>${e.stateTo} ${e.user}`), [
      'normal>active-unacknowledged system', 'active-unacknowledged>active-acknowledged olga', 'active-acknowledged>normal system',
    ]);
    assert.equal(journal[1]!.comment, 'technician on the way');
    assert.ok(journal.every((e) => e.device === 'sim-0001' && e.ruleId === 'controller-alarms'));
  });

  it('the shipped flow wires the polling link-outs into the alarm nodes', function () {
    const flow = JSON.parse(readFileSync(new URL('../flows/30-alarms.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
    const byId = new Map(flow.map((n) => [n.id as string, n]));
    assert.deepEqual(byId.get('hg.alarm.in.readings')!.links, ['hg.poll.out.readings']);
    assert.deepEqual(byId.get('hg.alarm.in.status')!.links, ['hg.poll.out.status']);
    assert.deepEqual(byId.get('hg.alarm.in.readings')!.wires, [['hg.alarm.threshold', 'hg.alarm.watchdog']]);
    assert.deepEqual(byId.get('hg.alarm.in.status')!.wires, [['hg.alarm.watchdog']]);
    for (const type of ['threshold-alarm', 'offline-watchdog', 'alarm-events']) assert.ok(flow.some((n) => n.type === type), type);
    for (const n of flow) for (const out of (n.wires as string[][] | undefined) ?? []) for (const id of out) assert.ok(byId.has(id), `${n.id} wires to ${id}`);
  });
});
