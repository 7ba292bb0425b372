// The ECL fleet simulator over real TCP with a plain Modbus client (modbus-serial): template points,
// PNU gaps, limits, one-client behaviour, writes and the physics behind them.
import assert from 'node:assert/strict';
import { startSimulatedFleet, type SimulatedFleet } from '../runtime/simulator/fleet.ts';
import { createSimClock } from '../runtime/simulator/clock.ts';
import { ECL_TEMPLATES } from '../runtime/ecl/ecl-templates.ts';
import { eclRegister } from '../runtime/ecl/register-map.ts';
import { closeClient, connectClient, decode, expectModbusError, frame, rawExchange, sleep, type ModbusRTU } from './simulator-support.ts';

const START = Date.UTC(2026, 0, 15, 7, 0); // a January Thursday, 08:00 controller time (comfort since 06:00)
const APPS = ['A266.1', 'A230.1', 'A237.1', 'A247.1'];

describe('ECL simulator over Modbus/TCP', function () {
  let fleet: SimulatedFleet;
  const clients: ModbusRTU[] = [];
  const client = async (i: number, unit = 1) => {
    const c = await connectClient(fleet.devices[i]!.port, unit);
    clients.push(c);
    return c;
  };

  before(async function () {
    fleet = await startSimulatedFleet({ devices: 4, applications: APPS, seed: 42, clock: createSimClock({ start: START, realTime: false }), idleTimeoutMs: 5000 });
  });
  afterEach(async function () {
    await Promise.all(clients.splice(0).map(closeClient));
  });
  after(async function () {
    await fleet.stop();
  });

  it('gives each device an id, a port, an application and a location', function () {
    assert.deepEqual(fleet.devices.map((d) => d.application), APPS);
    for (const d of fleet.devices) {
      assert.match(d.id, /^sim-\d{4}$/);
      assert.ok(d.port > 0 && d.unitId === 1);
      assert.ok(['ecl-comfort-310', 'ecl-comfort-296'].includes(d.model));
      assert.ok(Math.abs(d.lat - 56.16) < 0.1 && Math.abs(d.lon - 10.21) < 0.15, `${d.lat},${d.lon}`);
      assert.match(d.address, /\d{4} Aarhus$/);
    }
  });

  it('serves every ECL template point with a physically sensible value', async function () {
    for (const [i, device] of fleet.devices.entries()) {
      const family = device.application.split('.')[0];
      const template = ECL_TEMPLATES.find((t) => t.application === family)!;
      const c = await client(i);
      const v: Record<string, number> = {};
      for (const p of template.points) {
        const { data } = await c.readHoldingRegisters(p.register, p.type === 'uint32' ? 2 : 1);
        v[p.key] = decode(p, data);
        if (p.min !== undefined) assert.ok(v[p.key]! >= p.min - 1e-9 && v[p.key]! <= p.max! + 1e-9, `${device.application} ${p.key}=${v[p.key]} outside ${p.min}..${p.max}`);
        if (p.key.endsWith('_temp_c')) assert.ok(v[p.key]! > -40 && v[p.key]! < 130, `${device.application} ${p.key}=${v[p.key]}`);
      }
      const ctx = `${device.application}: ${JSON.stringify(v)}`;
      assert.ok(v.outdoor_temp_c! > -25 && v.outdoor_temp_c! < 12, ctx);
      assert.ok(v.supply_temp_c! > v.return_temp_c!, ctx);
      assert.ok(Math.abs(v.supply_temp_c! - v.desired_supply_temp_c!) < 3, ctx);
      assert.ok(v.desired_supply_temp_c! >= v.flow_temp_min_c! && v.desired_supply_temp_c! <= v.flow_temp_max_c!, ctx);
      assert.ok(v.heat_meter_supply_temp_c! >= 75 && v.heat_meter_supply_temp_c! <= 112, ctx);
      assert.ok(v.heat_meter_return_temp_c! < v.heat_meter_supply_temp_c! - 5, ctx);
      assert.ok(v.heat_power_kw! > 1 && v.heat_power_kw! < 1000, ctx);
      // V̇ = P / (1.163·ΔT) on the meter's own values.
      const expectedFlow = v.heat_power_kw! / (1.163 * (v.heat_meter_supply_temp_c! - v.heat_meter_return_temp_c!));
      assert.ok(Math.abs(v.heat_flow_m3h! - expectedFlow) < 0.02 * expectedFlow + 0.01, `flow ${v.heat_flow_m3h} vs ${expectedFlow}`);
      assert.ok(v.heat_energy_kwh! > 0 && v.heat_volume_m3! > 0, ctx);
      assert.equal(v.application_prefix, 65);
      assert.equal(v.application_type, Number(family!.slice(1)));
      assert.equal(v.application_subtype, 1);
      assert.equal(v.circuit_1_mode, 1);
      assert.equal(v.circuit_1_status, 2, 'comfort at 08:00 on a weekday');
      assert.equal(v.pump_p1_on, 1, 'heating pump runs in January');
      const mask = v.output_status_mask!;
      assert.equal((mask >> 6) & 1, v.pump_p1_on, 'relay 1 bit in 3999');
      assert.equal(mask & 1, v.valve_m1_opening);
      assert.equal(v.controller_alarms_1_16, 0);
      if (v.room_temp_c !== undefined) assert.ok(Math.abs(v.room_temp_c - 20) < 2.5, ctx);
      if (v.dhw_tank_temp_c !== undefined) assert.ok(v.dhw_tank_temp_c > 40 && v.dhw_tank_temp_c < 60, ctx);
    }
  });

  it('answers unused sensors with 19200 and reads FC04 the same table as FC03', async function () {
    const c = await client(1); // A230: S4, S6.. unused
    const { data } = await c.readHoldingRegisters(10200, 16);
    assert.equal(data[3], 19200);
    assert.equal(data[5], 19200);
    assert.equal(data[15], 19200);
    const input = await c.readInputRegisters(2059, 4);
    assert.deepEqual(input.data, [65, 230, 1, 258]);
    const a266 = await client(0);
    assert.deepEqual((await a266.readHoldingRegisters(2059, 4)).data, [65, 266, 1, 2048]);
  });

  it('fails a read across a PNU gap with exception 2 while the pieces succeed', async function () {
    const c = await client(2); // A237: 11176 (parallel shift) is not served
    const err = await expectModbusError(c.readHoldingRegisters(eclRegister(11175).register, 3));
    assert.equal(err.modbusCode, 2);
    assert.equal((await c.readHoldingRegisters(eclRegister(11175).register, 1)).data.length, 1);
    assert.equal((await c.readHoldingRegisters(eclRegister(11177).register, 5)).data.length, 5);
    // Circuit 3 mode (4203) is not served on two-circuit applications.
    assert.equal((await expectModbusError(c.readHoldingRegisters(4200, 3))).modbusCode, 2);
    assert.deepEqual((await c.readHoldingRegisters(4200, 2)).data, [1, 2]);
    // The DHW circuit of a single-circuit application does not exist.
    const a230 = await client(1);
    assert.equal((await expectModbusError(a230.readHoldingRegisters(eclRegister(12190).register, 1))).modbusCode, 2);
    // Nothing outside the map is served.
    assert.equal((await expectModbusError(a230.readHoldingRegisters(49, 1))).modbusCode, 2);
  });

  it('limits a read to 123 registers (exception 3 for 124 or 0)', async function () {
    const c = await client(0);
    assert.equal((await c.readHoldingRegisters(3109, 6)).data.length, 6);
    const err = await expectModbusError(c.readHoldingRegisters(10200, 124));
    assert.equal(err.modbusCode, 3);
    await closeClient(c);
    await sleep(30);
    const zero = await rawExchange(fleet.devices[0]!.port, frame(9, 1, 3, 10201, 0), 300, 9);
    assert.deepEqual([...zero.data.subarray(7)], [0x83, 3]);
  });

  it('answers unit 1 and the service address 254, ignores other unit ids', async function () {
    const c254 = await client(0, 254);
    assert.equal((await c254.readHoldingRegisters(2060, 1)).data[0], 266);
    await closeClient(c254);
    const c7 = await connectClient(fleet.devices[0]!.port, 7, 300);
    clients.push(c7);
    const err = await expectModbusError(c7.readHoldingRegisters(2060, 1));
    assert.match(err.message, /timed out/i);
  });

  it('rejects unsupported functions with exception 1 and handles split and coalesced frames', async function () {
    const port = fleet.devices[0]!.port;
    const fc16 = Buffer.from([0, 5, 0, 0, 0, 9, 1, 16, 0x2b, 0xa6, 0, 1, 2, 0, 15]);
    assert.deepEqual([...(await rawExchange(port, fc16, 300, 9)).data.subarray(7)], [0x90, 1]);
    const fc01 = Buffer.from([0, 6, 0, 0, 0, 6, 1, 1, 0, 0, 0, 8]);
    assert.deepEqual([...(await rawExchange(port, fc01, 300, 9)).data.subarray(7)], [0x81, 1]);
    // One request in three pieces, then two requests in one chunk.
    const a = frame(1, 1, 3, 2061, 1);
    const split = await rawExchange(port, [a.subarray(0, 3), a.subarray(3, 8), a.subarray(8)], 500, 11);
    assert.equal(split.data.readUInt16BE(9), 266);
    const both = await rawExchange(port, Buffer.concat([frame(2, 1, 3, 2061, 1), frame(3, 1, 4, 2062, 1)]), 500, 22);
    assert.equal(both.data.readUInt16BE(0), 2);
    assert.equal(both.data.readUInt16BE(9), 266);
    assert.equal(both.data.readUInt16BE(11), 3);
    assert.equal(both.data.readUInt16BE(20), 1);
  });

  it('accepts a second TCP client and drops it on its first request; the first keeps working', async function () {
    const first = await client(0);
    assert.equal((await first.readHoldingRegisters(2060, 1)).data[0], 266);
    const second = await client(0);
    await expectModbusError(second.readHoldingRegisters(2060, 1));
    assert.equal((await first.readHoldingRegisters(2060, 1)).data[0], 266);
    await closeClient(first);
    await sleep(50);
    const third = await client(0);
    assert.equal((await third.readHoldingRegisters(2060, 1)).data[0], 266);
  });

  it('refuses writes out of range or to read-only registers with exception 3', async function () {
    const c = await client(0);
    const slope = eclRegister(11175).register;
    assert.equal((await expectModbusError(c.writeRegister(slope, 41))).modbusCode, 3);
    assert.equal((await expectModbusError(c.writeRegister(slope, 0))).modbusCode, 3);
    assert.equal((await expectModbusError(c.writeRegister(eclRegister(11180).register, 401))).modbusCode, 3);
    assert.equal((await expectModbusError(c.writeRegister(eclRegister(4006).register, 1))).modbusCode, 3, 'relay state is read-only');
    assert.equal((await expectModbusError(c.writeRegister(eclRegister(10201).register, 100))).modbusCode, 3, 'sensor is read-only');
    assert.equal((await expectModbusError(c.writeRegister(eclRegister(39).register, 20))).modbusCode, 3, 'baud codes are 9/19/38');
    assert.equal((await expectModbusError(c.writeRegister(11175, 10))).modbusCode, 2, '11176 (parallel shift) is not served: a gap, also for writes');
    // Invalid date: 31 February.
    await c.writeRegister(eclRegister(64047).register, 28);
    await c.writeRegister(eclRegister(64048).register, 2);
    assert.equal((await expectModbusError(c.writeRegister(eclRegister(64047).register, 31))).modbusCode, 3);
    // Negative int16 values travel as two's complement.
    const a237 = await client(2);
    await a237.writeRegister(eclRegister(12195).register, 0x10000 - 5);
    assert.equal((await a237.readHoldingRegisters(eclRegister(12195).register, 1)).data[0], 0x10000 - 5);
    assert.equal((await expectModbusError(a237.writeRegister(eclRegister(12195).register, 0))).modbusCode, 3, 'start difference is -50..-1');
  });

  it('rewrites the curve when the slope is written and the supply follows within minutes', async function () {
    const c = await client(3);
    const id = fleet.devices[3]!.id;
    await c.writeRegister(eclRegister(11175).register, 10); // slope 1.0 = the factory curve
    assert.deepEqual((await c.readHoldingRegisters(eclRegister(11400).register, 6)).data, [75, 60, 50, 45, 40, 28]);
    fleet.advance(30 * 60_000);
    const before = fleet.controller(id).read(11253, 1);
    await c.writeRegister(eclRegister(11175).register, 20); // slope 2.0
    assert.deepEqual((await c.readHoldingRegisters(eclRegister(11400).register, 6)).data, [125, 95, 75, 65, 55, 31]);
    const desired = (await c.readHoldingRegisters(eclRegister(11253).register, 1)).data[0]! / 100;
    assert.ok('values' in before && desired > before.values[0]! / 100 + 8, `desired ${desired}`);
    for (let m = 0; m < 10; m++) fleet.advance(60_000);
    const supply = (await c.readHoldingRegisters(eclRegister(10203).register, 1)).data[0]! / 100;
    const desiredNow = (await c.readHoldingRegisters(eclRegister(11253).register, 1)).data[0]! / 100;
    assert.ok(Math.abs(supply - desiredNow) < 1.5, `supply ${supply} vs desired ${desiredNow} after 10 min`);
    // Writing one curve point recomputes the displayed slope.
    await c.writeRegister(eclRegister(11400).register, 75);
    const slope = (await c.readHoldingRegisters(eclRegister(11175).register, 1)).data[0]!;
    assert.ok(slope >= 17 && slope <= 19, `slope ${slope}`);
  });

  it('counts energy and volume monotonically as the integral of power over a simulated day', function () {
    const id = fleet.devices[0]!.id;
    const ecl = fleet.controller(id);
    const u32 = (pnu: number) => {
      const r = ecl.read(pnu, 2);
      assert.ok('values' in r);
      return r.values[0]! * 65536 + r.values[1]!;
    };
    const e0 = u32(6014);
    const v0 = u32(6012);
    let lastE = e0;
    let lastV = v0;
    let integral = 0;
    let volume = 0;
    let peak = 0;
    for (let minute = 0; minute < 24 * 60; minute++) {
      fleet.advance(60_000);
      const power = u32(6010) / 10;
      const flow = u32(6008) / 10_000;
      integral += power / 60;
      volume += flow / 60;
      peak = Math.max(peak, power);
      const e = u32(6014);
      const v = u32(6012);
      assert.ok(e >= lastE && v >= lastV, 'counters never go back');
      lastE = e;
      lastV = v;
    }
    const energy = (lastE - e0) / 10;
    assert.ok(integral > 100, `a January day uses heat (${integral} kWh)`);
    // 0.1 kWh counter resolution + 0.05 kW rounding of each power sample.
    assert.ok(Math.abs(energy - integral) < 0.2 + 0.05 * 24, `energy ${energy} vs ∫P ${integral}`);
    assert.ok(Math.abs((lastV - v0) / 10 - volume) < 0.2 + 0.00005 * 24 * 10, `volume ${(lastV - v0) / 10} vs ∫V̇ ${volume}`);
    assert.ok(peak > integral / 24, 'power varies over the day');
  });

  it('drops to saving at night and cuts heating out in summer', function () {
    const ecl = fleet.controller(fleet.devices[1]!.id);
    fleet.advance(((22 - 8) * 60 + 30) * 60_000 - ((fleet.clock.now() - START) % 86_400_000)); // 22:30 controller time
    assert.deepEqual(ecl.read(4211, 1), { values: [0] }, 'saving after 22:00');
    fleet.advance(180 * 86_400_000); // mid-July
    assert.equal(ecl.write(11179, 5), 0);
    const outdoor = ecl.read(10201, 1);
    assert.ok('values' in outdoor && outdoor.values[0]! > 500 && outdoor.values[0]! < 3500, `July outdoor ${JSON.stringify(outdoor)}`);
    assert.deepEqual(ecl.read(11253, 1), { values: [1000] }, 'desired flow 10.00 °C in cut-out (live A266.1 summer dump)');
    assert.deepEqual(ecl.read(4006, 1), { values: [0] }, 'heating pump stops');
    assert.equal(ecl.write(11179, 20), 0);
  });

  it('closes idle connections after the idle time', async function () {
    const quick = await startSimulatedFleet({ devices: 1, idleTimeoutMs: 200, seed: 3 });
    try {
      const c = await connectClient(quick.devices[0]!.port);
      clients.push(c);
      await c.readHoldingRegisters(2060, 1);
      await sleep(400);
      assert.equal(c.isOpen, false);
    } finally {
      await quick.stop();
    }
  });
});
