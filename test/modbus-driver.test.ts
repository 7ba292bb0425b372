// The Modbus driver against the facts of a real ECL: gaps fail whole reads, 123 registers per read,
// signed and 32-bit values, 19200 = sensor not connected, dead controllers back off.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planBlocks } from '../runtime/drivers/modbus/block-planner.ts';
import { decodePoint, encodeForWrite, WriteRefused } from '../runtime/drivers/modbus/codec.ts';
import { ControllerLink, LinkError } from '../runtime/drivers/modbus/controller-link.ts';
import { PointReader } from '../runtime/drivers/modbus/point-reader.ts';
import { buildEclTemplate } from '../runtime/ecl/ecl-templates.ts';
import type { PointDefinition } from '../runtime/templates/template.ts';
import { freePort } from './support/free-port.ts';
import { tempDataDir } from './support/runtime-process.ts';
import { projectRoot } from '../runtime/paths.ts';

const A266 = buildEclTemplate('A266');
const point = (key: string): PointDefinition => A266.points.find((p) => p.key === key)!;

describe('modbus driver: block planning and codec', () => {
  it('plans blocks only over named registers and never beyond the per-read limit', () => {
    const blocks = planBlocks(A266.points, 123);
    for (const block of blocks) {
      assert.ok(block.count <= 123);
      const covered = new Set(block.points.flatMap((p) => (p.type.endsWith('32') ? [p.register, p.register + 1] : [p.register])));
      for (let r = block.start; r < block.start + block.count; r++) assert.ok(covered.has(r), `block ${block.start}+${block.count} spans unnamed register ${r}`);
    }
    // S1..S6 are consecutive registers 10200..10205: one read.
    const sensors = blocks.find((b) => b.start === 10200)!;
    assert.equal(sensors.count, 6);
    // 20 consecutive registers with a limit of 8 → 3 blocks.
    const run = Array.from({ length: 20 }, (_, i) => ({ ...point('outdoor_temp_c'), key: `p${i}`, register: 100 + i }));
    assert.deepEqual(planBlocks(run, 8).map((b) => b.count), [8, 8, 4]);
  });

  it('decodes signed, scaled, 32-bit and sensor-break values', () => {
    assert.deepEqual(decodePoint(point('outdoor_temp_c'), [65521 - 1000], 10200), { value: -10.15, quality: 'good' });
    assert.deepEqual(decodePoint(point('outdoor_temp_c'), [19200], 10200), { value: null, quality: 'sensor-break' });
    assert.deepEqual(decodePoint(point('heat_energy_kwh'), [0x0001, 0x86a5], 6013), { value: 10000.5, quality: 'good' });
    assert.deepEqual(decodePoint(point('heat_curve_slope'), [12], 11174), { value: 1.2, quality: 'good' });
  });

  it('refuses writes the template forbids before anything reaches the wire', () => {
    assert.deepEqual(encodeForWrite(point('heat_curve_slope'), 1.4), [14]);
    const refusal = (key: string, value: unknown) => {
      try {
        encodeForWrite(point(key), value);
      } catch (err) {
        assert.ok(err instanceof WriteRefused);
        return err.code;
      }
      return 'accepted';
    };
    assert.equal(refusal('heat_curve_slope', 4.5), 'out_of_range');
    assert.equal(refusal('heat_curve_slope', 1.25), 'not_representable');
    assert.equal(refusal('supply_temp_c', 60), 'not_writable');
    assert.equal(refusal('flow_temp_max_c', '90'), 'not_a_number');
  });
});

describe('modbus driver against an outside implementation (pymodbus)', function () {
  this.timeout(30_000);
  let server: ChildProcess;
  let port: number;
  let link: ControllerLink;
  const omitted = point('heat_curve_at_0_c');
  const raw = new Map<number, number>();

  before(async function () {
    // Every A266 template register with a plausible raw value; one heat-curve register left unserved.
    for (const p of A266.points) {
      const words = p.type.endsWith('32') ? [0x0002, 0x1f40] : [p.sensorBreakRaw ? 5012 : Math.round((p.min ?? 1) / p.scale)];
      words.forEach((w, i) => raw.set(p.register + i, w));
    }
    raw.set(point('room_temp_c').register, 19200);
    raw.delete(omitted.register);
    const file = join(tempDataDir(), 'registers.json');
    writeFileSync(file, JSON.stringify(Object.fromEntries(raw)));
    port = await freePort();
    server = spawn('/usr/bin/python3', [join(projectRoot, 'test/support/pymodbus-ecl-server.py'), String(port), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      server.once('exit', (code) => reject(new Error(`pymodbus server exited with ${code}: is python3-pymodbus installed?`)));
    });
    link = new ControllerLink({ host: '127.0.0.1', port, unitId: 1 }, { timeoutMs: 1000 });
  });
  after(async () => {
    await link?.close();
    server?.kill();
  });

  it('reads every template point, finds the unserved register and plans around it next time', async () => {
    const reader = new PointReader(link, A266.maxRegistersPerRead);
    let result;
    for (let attempt = 0; ; attempt++) {
      try {
        result = await reader.read(A266.points);
        if (!result.linkError) break;
      } catch {
        /* server still starting */
      }
      assert.ok(attempt < 50, 'pymodbus server did not answer');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(result.readings.supply_temp_c, 50.12);
    assert.equal(result.quality.room_temp_c, 'sensor-break');
    assert.equal(result.readings.room_temp_c, null);
    assert.equal(result.readings.heat_energy_kwh, (0x0002 * 65536 + 0x1f40) * 0.1);
    assert.equal(result.readings.heat_curve_slope, 0.1);
    assert.equal(result.quality[omitted.key], 'comm-error');
    assert.equal(result.quality.heat_curve_at_5_c, 'good', 'the neighbours of the gap must still be read');
    assert.deepEqual(reader.unservedRegisters, [`holding:${omitted.register}`]);

    const again = await reader.read(A266.points);
    assert.ok(again.requests < result.requests, `re-planned poll used ${again.requests} requests, first ${result.requests}`);
    assert.equal(again.quality.heat_curve_at_5_c, 'good');
  });
});

describe('modbus driver: a controller that is not there', function () {
  it('fails fast with a connect error and backs off instead of retrying every poll', async () => {
    const port = await freePort(); // nothing listens here
    let now = 1_000_000;
    const link = new ControllerLink({ host: '127.0.0.1', port, unitId: 1 }, { timeoutMs: 500, backoffMinMs: 5000, now: () => now });
    await assert.rejects(link.readRegisters('holding', 0, 1), (err: LinkError) => err.kind === 'connect');
    await assert.rejects(link.readRegisters('holding', 0, 1), (err: LinkError) => err.kind === 'backoff');
    now += 10_000;
    await assert.rejects(link.readRegisters('holding', 0, 1), (err: LinkError) => err.kind === 'connect');
    await link.close();
    await assert.rejects(link.readRegisters('holding', 0, 1), (err: LinkError) => err.kind === 'closed');
  });
});
