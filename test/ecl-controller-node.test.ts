// The ecl-controller and meter-reader nodes in a real Node-RED runtime (test helper) over the real
// services and the simulated fleet: poll messages in the agreed shape, online/offline on output 2.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import eclControllerNode from '../nodes/ecl-controller/ecl-controller.ts';
import meterReaderNode from '../nodes/meter-reader/meter-reader.ts';
import { startSimulatedFleet, type SimulatedFleet } from '../runtime/simulator/fleet.ts';
import { startTestServices, type TestServices } from './support/services.ts';
import type { PollPayload } from '../runtime/readings.ts';

helper.init(createRequire(import.meta.url).resolve('node-red'));

describe('ecl-controller and meter-reader nodes', function () {
  this.timeout(30_000);
  let services: TestServices;
  let sim: SimulatedFleet;

  beforeEach(async () => {
    await helper.startServer();
    services = await startTestServices();
    sim = await startSimulatedFleet({ devices: 3, seed: 5 });
    for (const d of sim.devices) {
      services.registry.create({ id: d.id, name: d.name, model: d.model, connection: { kind: 'modbus-tcp', host: d.host, port: d.port, unitId: 1 }, tags: d.id === 'sim-0003' ? ['north'] : [] });
    }
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await services.close();
    await sim.stop();
  });

  it('polls the selected devices, identifies their application and sends the poll contract', async () => {
    const flow = [
      { id: 'ecl', type: 'ecl-controller', selectionType: 'devices', selectionValue: 'sim-0001, sim-0002', cadence: 1, wires: [['polls'], ['status']] },
      { id: 'polls', type: 'helper' },
      { id: 'status', type: 'helper' },
    ];
    await helper.load(eclControllerNode as never, flow);
    const polls = helper.getNode('polls');
    const statuses = helper.getNode('status');
    const seen = new Map<string, PollPayload>();
    const online: string[] = [];
    statuses.on('input', (msg: { payload: { device: string; state: string } }) => msg.payload.state === 'online' && online.push(msg.payload.device));
    await new Promise<void>((resolve) => {
      polls.on('input', (msg: { topic: string; payload: PollPayload }) => {
        assert.equal(msg.topic, `heatgrid/${msg.payload.device.id}`);
        seen.set(msg.payload.device.id, msg.payload);
        if (seen.size === 2) resolve();
      });
    });
    assert.deepEqual([...seen.keys()].sort(), ['sim-0001', 'sim-0002']);
    const poll = seen.get('sim-0001')!;
    assert.equal(poll.application, sim.devices[0]!.application);
    assert.equal(services.registry.get('sim-0001')!.application, sim.devices[0]!.application, 'detected application stored in the registry');
    assert.equal(typeof poll.readings.outdoor_temp_c, 'number');
    assert.equal(poll.quality.outdoor_temp_c, 'good');
    assert.ok(Math.abs(poll.ts - Date.now()) < 5000);
    assert.deepEqual(online.sort(), ['sim-0001', 'sim-0002']);
  });

  it('reads only heat-meter values with the meter reader, for a smart group', async () => {
    services.groups.create({ id: 'north', name: 'North', filter: { tags: ['north'] } });
    const flow = [
      { id: 'meter', type: 'meter-reader', selectionType: 'group', selectionValue: 'north', cadence: 1, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ];
    await helper.load(meterReaderNode as never, flow);
    const msg = await new Promise<{ payload: PollPayload }>((resolve) => helper.getNode('out').on('input', resolve));
    assert.equal(msg.payload.device.id, 'sim-0003');
    assert.deepEqual(Object.keys(msg.payload.readings).sort(), ['heat_energy_kwh', 'heat_flow_m3h', 'heat_meter_return_temp_c', 'heat_meter_supply_temp_c', 'heat_power_kw', 'heat_volume_m3']);
    assert.ok(msg.payload.readings.heat_energy_kwh! > 0);
  });

  it('shows a clear status instead of polling when the selection names an unknown group', async () => {
    const flow = [{ id: 'ecl', type: 'ecl-controller', selectionType: 'group', selectionValue: '', cadence: 1, wires: [[], []] }];
    await helper.load(eclControllerNode as never, flow);
    const node = helper.getNode('ecl');
    assert.ok(node.status.calledWithMatch({ fill: 'red', text: 'choose a smart group' }));
  });
});
