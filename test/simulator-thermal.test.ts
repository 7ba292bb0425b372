// The thermal model and heat curve on their own: deterministic, read-pattern independent, physical.
import assert from 'node:assert/strict';
import { curveFlow, curveForSlope, desiredFlow, slopeOfCurve, FACTORY_CURVE_C } from '../runtime/simulator/heat-curve.ts';
import { SimulatedEcl } from '../runtime/simulator/controller.ts';
import { createSimClock } from '../runtime/simulator/clock.ts';

describe('ECL heat curve and thermal model', function () {
  it('follows the six points, shifts with the room setpoint and respects the limits', function () {
    assert.deepEqual(curveForSlope(1), [...FACTORY_CURVE_C]);
    assert.equal(slopeOfCurve(curveForSlope(1.6)), 1.6);
    assert.equal(curveFlow(FACTORY_CURVE_C, -10), 55);
    const curve = { points: FACTORY_CURVE_C, slope: 1, minFlowC: 30, maxFlowC: 70 };
    assert.equal(desiredFlow(curve, -10, 22), 60); // +2 K room → +2·1·2.5
    assert.equal(desiredFlow(curve, -40, 20), 70);
    assert.equal(desiredFlow(curve, 18, 20), 30);
  });

  it('is deterministic for a seed and a clock, whatever the read cadence', function () {
    const make = () => {
      const clock = createSimClock({ start: Date.UTC(2026, 2, 1), realTime: false });
      return { clock, ecl: new SimulatedEcl({ id: 'x', application: 'A266.1', model: 'ecl-comfort-310', seed: 12, weatherSeed: 3, clock }) };
    };
    const a = make();
    const b = make();
    for (let i = 0; i < 120; i++) {
      a.clock.advance(60_000);
      a.ecl.read(10201, 6);
    }
    b.clock.advance(120 * 60_000);
    const ra = a.ecl.read(10201, 6);
    const rb = b.ecl.read(10201, 6);
    assert.deepEqual(ra, rb);
    assert.ok(Math.abs(a.ecl.state.energyKwh - b.ecl.state.energyKwh) < 1e-6);
  });
});
