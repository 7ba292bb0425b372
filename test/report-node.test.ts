// report-generator in a real Node-RED runtime (node-red-node-test-helper) over real services: a stored
// definition by id, an inline definition, a bad one (done(err), red status), scheduled runs forwarded with
// "every run", and the shipped flow's nodes load.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import helper from 'node-red-node-test-helper';
import reportGeneratorNode from '../nodes/report-generator/report-generator.ts';
import { startTestServices, type TestServices } from './support/services.ts';
import { setHeatgridServices } from '../runtime/services.ts';
import { ReportService } from '../runtime/reports/report-service.ts';
import { localMidnight } from '../runtime/historian/buckets.ts';
import type { ReportRun } from '../runtime/reports/types.ts';
import { writeReadings } from './report-fixtures.ts';

helper.init(createRequire(import.meta.url).resolve('node-red'));
const TZ = 'Europe/Copenhagen';

describe('report-generator node', function () {
  this.timeout(30_000);
  let services: TestServices;
  let reports: ReportService;
  let now = Date.parse('2026-03-10T10:00:00+01:00');

  before(async () => {
    services = await startTestServices({ HEATGRID_TIME_ZONE: TZ });
    for (const id of ['sub-1', 'sub-2']) services.registry.create({ id, name: id, connection: { kind: 'modbus-tcp', host: '10.0.0.1', port: 502, unitId: 1 } });
    await writeReadings(services.historian, ['sub-1', 'sub-2'], localMidnight(2026, 2, 1, TZ), localMidnight(2026, 3, 1, TZ), 3600_000);
    reports = new ReportService({ store: services.store, historian: services.historian, selections: services.selections, timeZone: TZ, dataDir: services.config.dataDir, smtp: null, tickMs: 0, clock: { now: () => now } });
    services.reports = reports;
    setHeatgridServices(services);
    reports.start();
    reports.create({ id: 'feb', title: 'February', period: { preset: 'last-month' }, devices: { all: true }, points: ['supply_temp_c'], interval: '1d', formats: ['csv'], schedule: { cron: '0 6 1 * *' } });
  });
  after(async () => {
    await helper.unload();
    await reports.close();
    await services.close();
  });
  afterEach(() => helper.unload());

  const nodes = [reportGeneratorNode] as unknown as Parameters<typeof helper.load>[0];
  const next = (node: { on(e: 'input', f: (msg: { payload: ReportRun; runId: string }) => void): void }) => new Promise<{ payload: ReportRun; runId: string }>((resolve) => node.on('input', resolve));

  it('runs the stored definition named in the node, and an inline one from msg.payload', async () => {
    await helper.load(nodes, [{ id: 'r', type: 'report-generator', definition: 'feb', wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const out = helper.getNode('out');
    let got = next(out);
    helper.getNode('r').receive({ payload: '' });
    let msg = await got;
    assert.equal(msg.payload.status, 'succeeded');
    assert.equal(msg.payload.definitionId, 'feb');
    assert.equal(msg.runId, msg.payload.id);
    assert.equal(msg.payload.files[0]!.name, 'february.csv');

    got = next(out);
    helper.getNode('r').receive({ payload: { title: 'Inline', period: { rollingDays: 14 }, devices: { device: 'sub-2' }, points: [{ key: 'heat_energy_kwh', aggregation: 'consumption' }], interval: '1d', formats: ['xlsx'] } });
    msg = await got;
    assert.equal(msg.payload.status, 'succeeded');
    assert.equal(msg.payload.definitionId, null);
    assert.equal(msg.payload.devices, 1);
  });

  it('reports a bad definition through done(err) and a red status', async () => {
    await helper.load(nodes, [{ id: 'r', type: 'report-generator', wires: [[]] }]);
    const r = helper.getNode('r') as unknown as { receive(m: unknown): void; on(e: string, f: (...a: unknown[]) => void): void };
    const errors: string[] = [];
    const statuses: Array<{ fill?: string }> = [];
    r.on('call:error', (call: unknown) => errors.push(String((call as { args: unknown[] }).args[0])));
    r.on('call:status', (call: unknown) => statuses.push((call as { args: [{ fill?: string }] }).args[0]));
    r.receive({ payload: { title: 'x', points: [] } });
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(errors.some((e) => /invalid report definition/.test(e)), errors.join('\n'));
    assert.ok(statuses.some((s) => s.fill === 'red'));
  });

  it('with "every run" sends the runs the schedule starts', async () => {
    await helper.load(nodes, [{ id: 'r', type: 'report-generator', allRuns: true, wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const got = next(helper.getNode('out'));
    now = Date.parse('2026-04-01T06:00:01+02:00');
    const [run] = reports.tick();
    const msg = await got;
    assert.equal(msg.payload.id, run!.id);
    assert.equal(msg.payload.trigger, 'schedule');
  });

  it('the shipped reports flow uses only node types it ships or Node-RED has', () => {
    const flow = JSON.parse(readFileSync(new URL('../flows/40-reports.json', import.meta.url), 'utf8')) as Array<{ type: string; z?: string }>;
    const types = new Set(flow.map((n) => n.type));
    for (const t of types) assert.ok(['tab', 'inject', 'debug', 'link out', 'report-generator'].includes(t), t);
    assert.ok(flow.every((n) => n.type === 'tab' || n.z === 'hg.report.tab'));
  });
});
