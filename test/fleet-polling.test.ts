// The fleet side end to end over real TCP: our driver and poll loop against the simulated ECL fleet,
// with faults injected while polling.
import assert from 'node:assert/strict';
import { startSimulatedFleet, type SimulatedFleet } from '../runtime/simulator/fleet.ts';
import { FleetService } from '../runtime/fleet/fleet-service.ts';
import { ECL_TEMPLATES, buildEclTemplate } from '../runtime/ecl/ecl-templates.ts';
import { applicationFamily } from '../runtime/ecl/applications.ts';
import { ControllerLink } from '../runtime/drivers/modbus/controller-link.ts';
import { PointReader } from '../runtime/drivers/modbus/point-reader.ts';
import type { Device } from '../runtime/devices/device.ts';
import type { PollPayload } from '../runtime/readings.ts';
import type { StatusTransition } from '../runtime/fleet/device-status.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deviceOf(sim: SimulatedFleet['devices'][number], application: string | null = sim.application): Device {
  return {
    id: sim.id,
    name: sim.name,
    model: sim.model,
    application,
    templateId: null,
    connection: { kind: 'modbus-tcp', host: sim.host, port: sim.port, unitId: sim.unitId },
    address: sim.address,
    lat: sim.lat,
    lon: sim.lon,
    tags: [],
    meters: [],
    enabled: true,
    createdAt: 0,
    updatedAt: 0,
  };
}

/** Physical plausibility of a decoded value, by unit and kind. */
function plausible(key: string, unit: string, value: number): boolean {
  if (unit === '°C') return value > -45 && value < 151;
  if (key === 'heat_power_kw') return value >= 0 && value < 5000;
  if (key === 'heat_flow_m3h') return value >= 0 && value < 200;
  if (key.endsWith('_kwh') || key.endsWith('_m3')) return value >= 0;
  if (key === 'heat_curve_slope') return value >= 0.1 && value <= 4;
  return Number.isFinite(value);
}

describe('fleet polling against the simulated ECL fleet', function () {
  this.timeout(60_000);
  let sim: SimulatedFleet;
  let fleet: FleetService;
  let devices: Device[];

  beforeEach(async () => {
    sim = await startSimulatedFleet({ devices: 8, seed: 11, applications: ['A266.1', 'A230.1', 'A237.1', 'A247.1'] });
    devices = sim.devices.map((d) => deviceOf(d));
    fleet = new FleetService({
      resolve: () => devices,
      templateFor: (d) => ECL_TEMPLATES.find((t) => t.application === applicationFamily(d.application)) ?? null,
      onApplicationDetected: (d, app) => (devices = devices.map((x) => (x.id === d.id ? { ...x, application: app } : x))),
      linkOptions: { timeoutMs: 500, backoffMinMs: 200, backoffMaxMs: 1000 },
    });
  });
  let simStopped = false;
  afterEach(async () => {
    await fleet.close();
    if (!simStopped) await sim.stop();
    simStopped = false;
  });

  it('decodes every template point of every application to a plausible value', async () => {
    for (const simDevice of sim.devices.slice(0, 4)) {
      const template = buildEclTemplate(applicationFamily(simDevice.application)!);
      const link = new ControllerLink({ host: simDevice.host, port: simDevice.port, unitId: 1 }, { timeoutMs: 1000 });
      const result = await new PointReader(link, template.maxRegistersPerRead).read(template.points);
      await link.close();
      assert.equal(result.linkError, null);
      for (const point of template.points) {
        assert.equal(result.quality[point.key], 'good', `${simDevice.application} ${point.key}: ${result.quality[point.key]}`);
        const value = result.readings[point.key]!;
        assert.ok(plausible(point.key, point.unit, value), `${simDevice.application} ${point.key} = ${value} ${point.unit}`);
      }
      // Physics the operator would check at a glance: supply above return while heating.
      if (result.readings.heat_power_kw! > 1) assert.ok(result.readings.heat_meter_supply_temp_c! > result.readings.heat_meter_return_temp_c!);
    }
  });

  it('polls on cadence, detects applications, reports a dropped device offline in time and back online', async () => {
    devices = devices.map((d, i) => (i === 0 ? { ...d, application: null } : d));
    const loop = fleet.createPollLoop({ all: true }, { cadenceMs: 400, offlineAfterMs: 1200, settingsEvery: 3 });
    const polls: PollPayload[] = [];
    const transitions: StatusTransition[] = [];
    loop.on('poll', (p) => polls.push(p));
    loop.on('status', (t) => transitions.push(t));
    loop.start();
    await sleep(1300);

    const perDevice = new Set(polls.map((p) => p.device.id));
    assert.equal(perDevice.size, 8, 'every device polled');
    const first = polls.find((p) => p.device.id === devices[0]!.id)!;
    assert.equal(first.application, sim.devices[0]!.application, 'application detected from PNU 2060-2062');
    assert.ok(Object.values(first.quality).every((q) => q === 'good'));
    assert.ok(typeof first.readings.supply_temp_c === 'number');

    const victim = sim.devices[1]!.id;
    const droppedAt = Date.now();
    await sim.inject(victim, { type: 'offline' });
    while (fleet.statuses.statusOf(victim) !== 'offline') {
      assert.ok(Date.now() - droppedAt < 3000, 'device not reported offline within offlineAfter + one cadence');
      await sleep(50);
    }
    const offline = transitions.find((t) => t.device === victim && t.state === 'offline')!;
    assert.ok(offline.ts - droppedAt >= 700, `offline reported after ${offline.ts - droppedAt} ms, before the configured time`);
    assert.equal(fleet.statuses.statusOf(sim.devices[2]!.id), 'online', 'neighbours unaffected');

    await sim.clear(victim);
    const clearedAt = Date.now();
    while (fleet.statuses.statusOf(victim) !== 'online') {
      assert.ok(Date.now() - clearedAt < 4000, 'device did not come back online');
      await sleep(50);
    }
    const stats = loop.stats();
    assert.ok(stats.latenessP99Ms < 200, `p99 lateness ${stats.latenessP99Ms} ms`);
    await fleet.release(loop);
  });

  it('keeps polling through garbage frames, dropped connections, timeouts and a sensor break', async () => {
    const loop = fleet.createPollLoop({ all: true }, { cadenceMs: 300, offlineAfterMs: 5000, settingsEvery: 100 });
    const polls: PollPayload[] = [];
    loop.on('poll', (p) => polls.push(p));
    loop.start();
    const [a, b, c, d] = sim.devices.map((x) => x.id);
    await sim.inject(a!, { type: 'garbage', mode: 'random' });
    await sim.inject(b!, { type: 'drop' });
    await sim.inject(c!, { type: 'timeout' });
    await sim.inject(d!, { type: 'sensor-break', sensor: 3, mode: 'open' });
    await sleep(1500);
    for (const id of [a, b, c]) await sim.clear(id!);
    const since = Date.now();
    await sleep(1500);

    const recent = polls.filter((p) => p.ts >= since);
    for (const id of [a, b, c]) assert.ok(recent.some((p) => p.device.id === id && p.quality.supply_temp_c === 'good'), `${id} recovered: ${JSON.stringify(recent.filter((p) => p.device.id === id).map((p) => p.quality.supply_temp_c))} ${JSON.stringify(loop.stats())} ${fleet.statuses.get(id!)?.lastError}`);
    const broken = recent.filter((p) => p.device.id === d);
    assert.ok(broken.length > 0);
    assert.ok(broken.every((p) => p.quality.supply_temp_c === 'sensor-break' && p.readings.supply_temp_c === null), 'sensor break flagged');
    assert.ok(broken.every((p) => p.quality.return_temp_c === 'good'), 'other sensors still good');
    await fleet.release(loop);
  });

  it('shares one connection per controller between two loops (the ECL drops a second client)', async () => {
    const fast = fleet.createPollLoop({ all: true }, { cadenceMs: 200, offlineAfterMs: 5000, settingsEvery: 100 });
    const slow = fleet.createPollLoop({ all: true }, { cadenceMs: 300, offlineAfterMs: 5000, settingsEvery: 100, pointFilter: (p) => p.key.startsWith('heat_') });
    const bad: string[] = [];
    for (const loop of [fast, slow]) loop.on('poll', (p) => Object.entries(p.quality).forEach(([k, q]) => q !== 'good' && bad.push(`${p.device.id}.${k}=${q}`)));
    fast.start();
    slow.start();
    await sleep(1500);
    assert.deepEqual(bad, []);
    assert.equal(fleet.links.size, 8);
    await fleet.release(fast);
    await fleet.release(slow);
  });

  it('leaves no sockets or timers behind when the fleet service closes', async () => {
    await sleep(50);
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const loop = fleet.createPollLoop({ all: true }, { cadenceMs: 100, offlineAfterMs: 1000, settingsEvery: 2 });
    loop.start();
    await sim.inject(sim.devices[0]!.id, { type: 'slow', latencyMs: 2000 });
    await sleep(500);
    await fleet.close();
    await sim.stop(); // the simulator's own timers (the slow answer) go with it
    simStopped = true;
    await sleep(100);
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const count = (list: string[], kind: string) => list.filter((r) => r === kind).length;
    assert.equal(count(after, 'TCPSocketWrap'), count(before, 'TCPSocketWrap'), `sockets left: ${after}`);
    assert.equal(count(after, 'Timeout'), count(before, 'Timeout'), `timers left: ${after}`);
  });
});
