// Physics of one simulated substation, pure and deterministic: the state at time t depends only on the
// parameters, the control settings in force and the clock, never on how often it was read. Called lazily
// (when a register is read) with whatever simulated time has passed since the last call.
//
// Model (domain notes §3): outdoor temperature = seasonal mean + daily sine + slow weather noise (shared
// by the fleet) + a per-device offset. The heat curve gives the desired flow; the secondary supply
// follows it with a first-order lag (the 3-point valve). Emitters deliver Q = k·(supply − room); the
// room is a single thermal mass losing H·(room − outdoor). DHW is a storage tank (charged with
// hysteresis) or an instantaneous exchanger following a daily draw profile. The M-bus meter measures the
// primary side: power = heating + DHW, V̇ = P / (1.163·ΔT), energy and volume integrate P and V̇.
import { valueNoise } from './random.ts';
import { desiredFlow, type HeatCurveSettings } from './heat-curve.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface ThermalParams {
  /** Per-device seed (sensor noise, draw noise). */
  seed: number;
  /** Shared by every device of a fleet: they stand under the same weather. */
  weatherSeed: number;
  /** Micro-climate of the site, K. */
  outdoorOffsetK: number;
  /** Space heating load at outdoor −15 °C and room 20 °C, kW. */
  designLoadKw: number;
  /** Emitter constant k in Q = k·(supply − room), kW/K; sized so the initial curve keeps the room near 20 °C. */
  emitterKwPerK: number;
  /** Room thermal time constant, hours. */
  roomTimeConstantH: number;
  dhw: 'tank' | 'exchanger' | null;
  /** DHW tank heat capacity, kWh/K (500 l ≈ 0.58). */
  tankKwhPerK: number;
  /** Peak DHW draw, kW. */
  dhwPeakKw: number;
  /** Tank charging power at full primary temperature, kW. */
  chargeKw: number;
  /** Local solar time minus UTC, ms (daily weather and usage profile). */
  solarOffsetMs: number;
}

export type PumpOverride = 'auto' | 'off' | 'on';

/** Circuit mode as in PNU 4201/4202: 0 manual, 1 scheduled, 2 comfort, 3 saving, 4 frost protection. */
export interface CircuitControl {
  mode: number;
  /** 7 days (Monday first) × up to 3 periods [start, stop] in HHMM; start == stop disables a period. */
  schedule: readonly (readonly number[])[];
}

export interface ControlSettings {
  curve: HeatCurveSettings;
  /** Heat cut-out outdoor temperature, 0 = off. */
  cutOutC: number;
  roomComfortC: number;
  roomSavingC: number;
  frostProtectionC: number;
  valveNeutralZoneK: number;
  heating: CircuitControl;
  dhwCircuit: CircuitControl;
  dhwComfortC: number;
  dhwSavingC: number;
  heatingPump: PumpOverride;
  dhwPump: PumpOverride;
  /** The controller's clock minus simulated time (schedules run on the controller's clock). */
  clockOffsetMs: number;
}

export interface ThermalState {
  t: number;
  outdoorC: number;
  outdoorFilteredC: number;
  outdoorMinC: number;
  outdoorMaxC: number;
  desiredFlowC: number;
  supplyC: number;
  returnC: number;
  roomC: number;
  tankC: number;
  dhwSupplyC: number;
  dhwReturnC: number;
  dhwDrawKw: number;
  charging: boolean;
  heatingComfort: boolean;
  dhwComfort: boolean;
  heatingPumpOn: boolean;
  dhwPumpOn: boolean;
  /** +1 opening, −1 closing, 0 still (heating valve M1). */
  valve: number;
  dhwValve: number;
  primarySupplyC: number;
  primaryReturnC: number;
  powerKw: number;
  flowM3h: number;
  /** Exact integrals; registers show floor(value·10) so fractions carry over. */
  energyKwh: number;
  volumeM3: number;
}

/** Outdoor temperature, °C: coldest mid-January (≈ −2 °C mean), warmest mid-July (≈ 17 °C), peak at 15:00. */
export function outdoorTemperature(t: number, weatherSeed: number, offsetK: number, solarOffsetMs: number): number {
  const yearPhase = (((t / DAY_MS - 15) % 365.2425) + 365.2425) / 365.2425;
  const seasonal = 7.5 - 9.5 * Math.cos(2 * Math.PI * yearPhase);
  const localHours = ((((t + solarOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const daily = 3.5 * Math.sin((2 * Math.PI * (localHours - 9)) / 24);
  const weather = 4 * valueNoise(weatherSeed, t, 36 * HOUR_MS) + 1.5 * valueNoise(weatherSeed + 1, t, 6 * HOUR_MS);
  return seasonal + daily + weather + offsetK;
}

/** Network (primary) supply temperature: 75 °C in mild weather, rising to 110 °C in the cold (§3.2). */
export function networkSupplyTemperature(t: number, outdoorC: number, weatherSeed: number): number {
  const base = Math.min(110, Math.max(75, 75 + 1.4 * (5 - outdoorC)));
  return base + 1.5 * valueNoise(weatherSeed + 7, t, 0.5 * HOUR_MS);
}

/** Whether a circuit is in comfort at controller-local time `local` (ms, read as UTC fields). */
export function inComfort(circuit: CircuitControl, local: number): boolean {
  switch (circuit.mode) {
    case 2:
      return true;
    case 3:
    case 4:
      return false;
    default: {
      const d = new Date(local);
      const day = circuit.schedule[(d.getUTCDay() + 6) % 7] ?? [];
      const hhmm = d.getUTCHours() * 100 + d.getUTCMinutes();
      for (let p = 0; p + 1 < day.length; p += 2) if (day[p]! < day[p + 1]! && hhmm >= day[p]! && hhmm < day[p + 1]!) return true;
      return false;
    }
  }
}

/** DHW draw, kW: small base (circulation) plus morning and evening peaks with per-device noise. */
export function dhwDraw(t: number, params: ThermalParams): number {
  const h = ((((t + params.solarOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const bump = (centre: number, width: number) => Math.exp(-(((h - centre) / width) ** 2));
  const profile = 0.06 + 0.7 * bump(7.3, 0.9) + 0.5 * bump(19.5, 1.6) + 0.15 * bump(12.5, 1.5);
  return Math.max(0, params.dhwPeakKw * profile * (1 + 0.35 * valueNoise(params.seed + 11, t, 0.25 * HOUR_MS)));
}

function approach(value: number, target: number, dtS: number, tauS: number): number {
  return target + (value - target) * Math.exp(-dtS / tauS);
}

/** State in equilibrium with the settings at t0 (a controller that has been running for a while). */
export function initialThermalState(params: ThermalParams, control: ControlSettings, t0: number, energyKwh: number, volumeM3: number): ThermalState {
  const outdoorC = outdoorTemperature(t0, params.weatherSeed, params.outdoorOffsetK, params.solarOffsetMs);
  const dhwSet = inComfort(control.dhwCircuit, t0 + control.clockOffsetMs) ? control.dhwComfortC : control.dhwSavingC;
  const state: ThermalState = {
    t: t0 - 60_000,
    outdoorC,
    outdoorFilteredC: outdoorC,
    outdoorMinC: outdoorC,
    outdoorMaxC: outdoorC,
    desiredFlowC: 10,
    supplyC: 0,
    returnC: 0,
    roomC: inComfort(control.heating, t0 + control.clockOffsetMs) ? control.roomComfortC : control.roomSavingC,
    tankC: dhwSet,
    dhwSupplyC: dhwSet,
    dhwReturnC: dhwSet - 8,
    dhwDrawKw: 0,
    charging: false,
    heatingComfort: false,
    dhwComfort: false,
    heatingPumpOn: false,
    dhwPumpOn: false,
    valve: 0,
    dhwValve: 0,
    primarySupplyC: 80,
    primaryReturnC: 40,
    powerKw: 0,
    flowM3h: 0,
    energyKwh,
    volumeM3,
  };
  // Start the supply at its target so the first minute is already steady.
  const probe = { ...state };
  stepOnce(probe, params, control, t0 - 60_000, 60);
  state.supplyC = probe.desiredFlowC <= 10 ? state.roomC + 1 : Math.min(probe.desiredFlowC, probe.primarySupplyC - 3);
  state.returnC = state.roomC;
  advanceThermal(state, params, control, t0);
  return state;
}

/** Integrates the state forward to `to` (ms): 60 s steps, 10 min steps across gaps longer than 6 h. */
export function advanceThermal(state: ThermalState, params: ThermalParams, control: ControlSettings, to: number): void {
  while (state.t < to) {
    const remaining = to - state.t;
    const stepMs = Math.min(remaining, remaining > 6 * HOUR_MS ? 600_000 : 60_000);
    stepOnce(state, params, control, state.t + stepMs, stepMs / 1000);
  }
}

/** Re-derives the instantaneous values (desired flow, pumps, valve, status) after a settings change, without moving time. */
export function resettleThermal(state: ThermalState, params: ThermalParams, control: ControlSettings): void {
  stepOnce(state, params, control, state.t, 0);
}

function stepOnce(s: ThermalState, p: ThermalParams, c: ControlSettings, t1: number, dtS: number): void {
  const dtH = dtS / 3600;
  const outdoor = outdoorTemperature(t1, p.weatherSeed, p.outdoorOffsetK, p.solarOffsetMs);
  s.outdoorC = outdoor;
  s.outdoorFilteredC = approach(s.outdoorFilteredC, outdoor, dtS, 3 * 3600);
  s.outdoorMinC = Math.min(s.outdoorMinC, outdoor);
  s.outdoorMaxC = Math.max(s.outdoorMaxC, outdoor);
  const local = t1 + c.clockOffsetMs;
  const primarySupply = networkSupplyTemperature(t1, outdoor, p.weatherSeed);
  s.primarySupplyC = primarySupply;

  // Heating circuit: which setpoint, whether it heats at all, and the curve.
  const manual = c.heating.mode === 0;
  s.heatingComfort = inComfort(c.heating, local);
  const roomSet = s.heatingComfort ? c.roomComfortC : c.roomSavingC;
  let heatingActive: boolean;
  if (c.heating.mode === 4) {
    heatingActive = outdoor < 2;
    s.desiredFlowC = heatingActive ? c.frostProtectionC : 10;
  } else if (c.cutOutC > 0 && s.outdoorFilteredC > c.cutOutC) {
    heatingActive = false;
    s.desiredFlowC = 10; // what a live A266.1 showed in summer cut-out (domain notes §4)
  } else {
    heatingActive = true;
    s.desiredFlowC = desiredFlow(c.curve, outdoor, roomSet);
  }
  s.heatingPumpOn = c.heatingPump === 'on' || (c.heatingPump === 'auto' && heatingActive);
  const target = Math.min(s.desiredFlowC, primarySupply - 3);
  const before = s.supplyC;
  if (s.heatingPumpOn && !manual && heatingActive) s.supplyC = approach(s.supplyC, target, dtS, 180);
  else if (!s.heatingPumpOn) s.supplyC = approach(s.supplyC, s.roomC + 1, dtS, 1200);
  // Manual mode: the valve holds its position, the supply stays where it is.
  const nz = c.valveNeutralZoneK;
  s.valve = manual ? 0 : !heatingActive ? -1 : target - before > nz ? 1 : before - target > nz ? -1 : 0;

  const heatKw = s.heatingPumpOn ? Math.max(0, p.emitterKwPerK * (s.supplyC - s.roomC)) : 0;
  // Secondary flow is sized for 20 K at design load.
  const secondaryKwPerK = p.designLoadKw / 20;
  s.returnC = s.heatingPumpOn ? s.supplyC - heatKw / secondaryKwPerK : approach(s.returnC, s.roomC + 0.5, dtS, 1200);
  const lossKwPerK = p.designLoadKw / 35;
  const roomKwhPerK = lossKwPerK * p.roomTimeConstantH;
  s.roomC += ((heatKw - lossKwPerK * (s.roomC - outdoor)) * dtH) / roomKwhPerK;

  // DHW circuit.
  let dhwKw = 0;
  let dhwPrimaryReturn = 25;
  s.dhwComfort = p.dhw ? inComfort(c.dhwCircuit, local) : false;
  const dhwSet = s.dhwComfort ? c.dhwComfortC : c.dhwSavingC;
  s.dhwDrawKw = p.dhw ? dhwDraw(t1, p) : 0;
  if (p.dhw === 'tank') {
    if (s.tankC < dhwSet - 5) s.charging = true;
    else if (s.tankC >= dhwSet + 2) s.charging = false;
    s.dhwPumpOn = c.dhwPump === 'on' || (c.dhwPump === 'auto' && s.charging && c.dhwCircuit.mode !== 4);
    const chargeKw = s.dhwPumpOn ? p.chargeKw * Math.min(1, Math.max(0, (primarySupply - 3 - s.tankC) / 25)) : 0;
    const standingLoss = 0.004 * (s.tankC - 20);
    s.tankC += ((chargeKw - s.dhwDrawKw - standingLoss) * dtH) / p.tankKwhPerK;
    s.tankC = Math.max(10, s.tankC);
    s.dhwReturnC = s.tankC - 6;
    s.dhwValve = s.dhwPumpOn ? 1 : -1;
    dhwKw = chargeKw;
    dhwPrimaryReturn = Math.min(primarySupply - 5, s.tankC - 10);
  } else if (p.dhw === 'exchanger') {
    s.dhwPumpOn = c.dhwPump !== 'off';
    const drawing = s.dhwPumpOn && s.dhwDrawKw > 0.5;
    s.dhwSupplyC = drawing ? approach(s.dhwSupplyC, Math.min(dhwSet, primarySupply - 5), dtS, 30) : approach(s.dhwSupplyC, 30, dtS, 900);
    s.dhwValve = drawing ? (s.dhwSupplyC < dhwSet - 3 ? 1 : 0) : -1;
    dhwKw = drawing ? s.dhwDrawKw : 0;
    dhwPrimaryReturn = 22;
  }

  // Primary side through the heat meter.
  const power = heatKw + dhwKw;
  const heatingPrimaryReturn = s.returnC + 3;
  s.primaryReturnC = power > 0.01 ? (heatKw * heatingPrimaryReturn + dhwKw * dhwPrimaryReturn) / power : approach(s.primaryReturnC, s.roomC + 5, dtS, 1800);
  const dT = Math.max(5, primarySupply - s.primaryReturnC);
  s.powerKw = power;
  s.flowM3h = power / (1.163 * dT);
  s.energyKwh += power * dtH;
  s.volumeM3 += s.flowM3h * dtH;
  s.t = t1;
}
