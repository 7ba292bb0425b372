// The ECL 210/296/310 heat curve: six points (desired flow at outdoor -30, -15, -5, 0, 5, 15 °C for a
// room setpoint of 20 °C), piecewise linear between them, shifted by the room setpoint and clamped to
// the min/max flow limits (domain notes §3.1).

export const CURVE_OUTDOOR_C = [-30, -15, -5, 0, 5, 15] as const;
/** Factory curve (slope 1.0). */
export const FACTORY_CURVE_C = [75, 60, 50, 45, 40, 28] as const;
/** All slopes rotate about flow 24.6 °C (at outdoor 20 °C, room 20 °C). */
export const CURVE_PIVOT_C = 24.6;

/** Curve points for a written slope: 24.6 + slope·(T_factory − 24.6) (domain notes, guess). Integer °C as stored. */
export function curveForSlope(slope: number): number[] {
  return FACTORY_CURVE_C.map((t) => Math.round(CURVE_PIVOT_C + slope * (t - CURVE_PIVOT_C)));
}

/** The slope the display shows for a set of points: their mean rotation against the factory curve, 0.1 steps. */
export function slopeOfCurve(points: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < FACTORY_CURVE_C.length; i++) sum += (points[i]! - CURVE_PIVOT_C) / (FACTORY_CURVE_C[i]! - CURVE_PIVOT_C);
  const slope = Math.round((sum / FACTORY_CURVE_C.length) * 10) / 10;
  return Math.min(4, Math.max(0.1, slope));
}

/** Flow from the points alone: clamped below -30 °C, last segment extended above 15 °C. */
export function curveFlow(points: readonly number[], outdoorC: number): number {
  const xs = CURVE_OUTDOOR_C;
  if (outdoorC <= xs[0]) return points[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (outdoorC <= xs[i]! || i === xs.length - 1) {
      const x0 = xs[i - 1]!, x1 = xs[i]!;
      const y0 = points[i - 1]!, y1 = points[i]!;
      return y0 + ((y1 - y0) * (outdoorC - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1]!;
}

export interface HeatCurveSettings {
  points: readonly number[];
  slope: number;
  minFlowC: number;
  maxFlowC: number;
}

/** Desired flow: curve + (room setpoint − 20)·slope·2.5, then min/max limits. */
export function desiredFlow(curve: HeatCurveSettings, outdoorC: number, roomSetpointC: number): number {
  const shifted = curveFlow(curve.points, outdoorC) + (roomSetpointC - 20) * curve.slope * 2.5;
  return Math.min(curve.maxFlowC, Math.max(curve.minFlowC, shifted));
}
