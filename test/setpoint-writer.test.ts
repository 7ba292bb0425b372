// The control path over real TCP against the simulated fleet: validation before the wire, read-back,
// offline refusal, group writes that never stop at the first failure, and an audit entry for every attempt.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import setpointWriterNode from '../nodes/setpoint-writer/setpoint-writer.ts';
import { startSimulatedFleet, type SimulatedFleet } from '../runtime/simulator/fleet.ts';
import { startTestServices, type TestServices } from './support/services.ts';
import type { SetpointJob } from '../runtime/control/group-write.ts';

helper.init(createRequire(import.meta.url).resolve('node-red'));
const SLOPE_PNU = 11175;
const operator = { kind: 'user' as const, id: 'olga' };

describe('setpoint writer and group writes', function () {
  this.timeout(30_000);
  let services: TestServices;
  let sim: SimulatedFleet;

  beforeEach(async () => {
    services = await startTestServices();
    sim = await startSimulatedFleet({ devices: 4, seed: 3, applications: ['A266.1'] });
    for (const d of sim.devices) {
      services.registry.create({ id: d.id, name: d.name, model: d.model, application: d.application, connection: { kind: 'modbus-tcp', host: d.host, port: d.port, unitId: 1 }, tags: ['north'] });
    }
    services.groups.create({ id: 'north', name: 'North', filter: { tags: ['north'] } });
  });
  afterEach(async () => {
    await services.close();
    await sim.stop();
  });

  const slopeRaw = (id: string) => {
    const read = sim.controller(id).read(SLOPE_PNU, 1);
    assert.ok('values' in read);
    return read.values[0]!;
  };
  const audit = () => services.historian.flush().then(() => services.control.auditOfWrites({ from: 0, to: Date.now() + 1000 }));

  it('writes, reads back, and the controller follows; the same value again is "unchanged"', async () => {
    const id = sim.devices[0]!.id;
    const before = slopeRaw(id);
    const result = await services.control.writeDevice(id, 'heat_curve_slope', 1.6, operator, 'colder week ahead');
    assert.equal(result.outcome, 'written', result.message ?? '');
    assert.equal(result.oldValue, before / 10);
    assert.equal(result.readBack, 1.6);
    assert.equal(slopeRaw(id), 16, 'register changed in the controller');
    const again = await services.control.writeDevice(id, 'heat_curve_slope', 1.6, operator);
    assert.equal(again.outcome, 'unchanged');

    const entries = await audit();
    assert.equal(entries.length, 2);
    const written = entries.find((e) => e.detail?.startsWith('written'))!;
    assert.equal(written.actor, 'olga');
    assert.equal(written.device, id);
    assert.equal(written.point, 'heat_curve_slope');
    assert.equal(written.oldValue, before / 10);
    assert.equal(written.newValue, 1.6);
    assert.match(written.detail!, /colder week ahead/);
  });

  it('refuses invalid writes before touching the wire, and audits the refusal', async () => {
    const id = sim.devices[1]!.id;
    const before = slopeRaw(id);
    const cases: [string, number, string][] = [
      ['heat_curve_slope', 4.5, 'out_of_range'],
      ['heat_curve_slope', 1.25, 'not_representable'],
      ['supply_temp_c', 60, 'not_writable'],
      ['no_such_point', 1, 'unknown_point'],
    ];
    for (const [point, value, code] of cases) {
      const result = await services.control.writeDevice(id, point, value, operator);
      assert.equal(result.outcome, 'refused');
      assert.equal(result.code, code);
    }
    assert.equal(slopeRaw(id), before, 'nothing reached the controller');
    const entries = await audit();
    assert.equal(entries.length, cases.length);
    assert.ok(entries.every((e) => e.outcome === 'refused'));
  });

  it('refuses a write to an offline device clearly and audits it', async () => {
    const id = sim.devices[2]!.id;
    await sim.inject(id, { type: 'offline' });
    services.fleet.statuses.recordFailure(id, Date.now(), 'connection refused', 0);
    const result = await services.control.writeDevice(id, 'heat_curve_slope', 1.2, operator);
    assert.equal(result.outcome, 'offline');
    assert.equal(result.code, 'device_offline');
    const [entry] = await audit();
    assert.equal(entry!.outcome, 'offline');
  });

  it('writes a smart group with faulted devices and reports every device', async () => {
    const [ok1, refusing, silent, ok2] = sim.devices.map((d) => d.id);
    await sim.inject(refusing!, { type: 'exception', code: 3 });
    await sim.inject(silent!, { type: 'timeout' });
    const job = services.control.startWrite({ group: 'north' }, 'heat_curve_slope', 1.8, operator);
    assert.equal(job.total, 4);
    const done: SetpointJob = await services.control.jobs.wait(job.id);
    assert.equal(done.state, 'done');
    const byDevice = new Map(done.results.map((r) => [r.device, r]));
    assert.equal(byDevice.get(ok1!)!.outcome, 'written');
    assert.equal(byDevice.get(ok2!)!.outcome, 'written');
    assert.equal(byDevice.get(refusing!)!.outcome, 'refused');
    assert.equal(byDevice.get(refusing!)!.code, 'controller_exception_3');
    assert.equal(byDevice.get(silent!)!.outcome, 'failed');
    assert.equal(slopeRaw(ok1!), 18);
    assert.equal((await audit()).length, 4);
  });

  it("changes the controller's own alarm parameters through the control path, and the controller raises its flow alarm", async () => {
    const id = sim.devices[3]!.id;
    const ctl = sim.controller(id);
    for (const [point, value] of [['flow_alarm_lower_difference_k', 2], ['flow_alarm_delay_min', 1]] as const) {
      const result = await services.control.writeDevice(id, point, value, operator, 'commissioning the flow alarm');
      assert.equal(result.outcome, 'written', `${point}: ${result.message}`);
    }
    const refused = await services.control.writeDevice(id, 'flow_alarm_delay_min', 0, operator);
    assert.equal(refused.code, 'out_of_range', 'the delay is 1..99 minutes');
    const alarm32 = () => {
      const read = ctl.read(1024, 1);
      assert.ok('values' in read);
      return (read.values[0]! & (1 << 15)) !== 0;
    };
    assert.equal(alarm32(), false);
    // A steeper heat curve: the desired supply jumps, the real supply follows slowly, so it stays more
    // than 2 K below the desired value for longer than the 1-minute delay.
    assert.equal((await services.control.writeDevice(id, 'heat_curve_slope', 3.5, operator)).outcome, 'written');
    ctl.read(10203, 1);
    sim.advance(70_000);
    assert.equal(alarm32(), true, 'controller alarm no. 32 (flow temperature) raised');
    const entries = await audit();
    assert.deepEqual(entries.filter((e) => e.point?.startsWith('flow_alarm_')).map((e) => e.outcome), ['ok', 'ok', 'refused']);
  });

  it('the setpoint-writer node reports per-device results and the finished job', async () => {
    await helper.startServer();
    try {
      const flow = [
        { id: 'w', type: 'setpoint-writer', name: 'night setback', selectionType: 'group', selectionValue: 'north', point: 'room_saving_setpoint_c', wires: [['job'], ['each']] },
        { id: 'job', type: 'helper' },
        { id: 'each', type: 'helper' },
      ];
      await helper.load(setpointWriterNode as never, flow);
      const each: unknown[] = [];
      helper.getNode('each').on('input', (m: { payload: unknown }) => each.push(m.payload));
      const finished = new Promise<{ payload: SetpointJob }>((resolve) => helper.getNode('job').on('input', resolve));
      helper.getNode('w').receive({ payload: 16.5 });
      const { payload } = await finished;
      assert.equal(payload.total, 4);
      assert.ok(payload.results.every((r) => r.outcome === 'written'));
      assert.equal(each.length, 4);
      const entries = await audit();
      assert.ok(entries.every((e) => e.actor === 'flow:night setback'));
    } finally {
      await helper.unload();
      await helper.stopServer();
    }
  });
});
