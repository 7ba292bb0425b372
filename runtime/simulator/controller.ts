// One simulated ECL Comfort 296/310: its served register table, the thermal model behind it and the
// register-level read/write rules (exceptions as the real controller answers them). Transport-free, so
// tests can call read()/write() directly and the Modbus server stays a thin framing layer.
//
// Exception codes (the Danfoss description lists 1-4 without saying which is which; our choice follows
// the guess in the domain notes §1.3): 1 unsupported function; 2 a read or write touching a PNU the
// controller does not serve (gaps, write-only PNUs read); 3 quantity 0 or > 123, a value outside the
// valid range, an invalid date, and a write to a read-only register. Read-only writes get 3 rather
// than 2 so a driver can tell "this address does not exist here" (2: re-plan the block) from "refused".
import { APPLICATION_PROFILES, applicationFamily, type EclApplication } from '../ecl/applications.ts';
import { ECL_MAX_REGISTERS_PER_READ, SENSOR_NOT_CONNECTED } from '../ecl/register-map.ts';
import { curveForSlope, slopeOfCurve } from './heat-curve.ts';
import { factorySettings, type EclModel } from './factory-settings.ts';
import { acceptsRaw, servedLayout, type ServedLayout } from './served-map.ts';
import { advanceThermal, initialThermalState, resettleThermal, type ControlSettings, type PumpOverride, type ThermalParams, type ThermalState } from './thermal-model.ts';
import { createRng, valueNoise } from './random.ts';
import type { SimClock } from './clock.ts';

export const EXCEPTION_ILLEGAL_FUNCTION = 1;
export const EXCEPTION_ILLEGAL_ADDRESS = 2;
export const EXCEPTION_ILLEGAL_VALUE = 3;
/** Raw value of a short-circuited sensor (guess from the ECL 120/220 range −64…192 °C). */
export const SENSOR_SHORT = -6400;
export const SERVICE_UNIT_ID = 254;

export type SensorFault = 'open' | 'short';

export interface ControllerOptions {
  id: string;
  /** "A266.1" etc. */
  application: string;
  model: EclModel;
  unitId?: number;
  seed: number;
  weatherSeed: number;
  clock: SimClock;
  /** Local (controller) time minus UTC; default +1 h (CET, summer time not modelled). */
  utcOffsetMs?: number;
}

export type ReadResult = { values: number[] } | { exception: number };

const MBUS_INIT_MS = 30_000;
const MBUS_SCAN_MS = 12 * 60_000;

export class SimulatedEcl {
  readonly id: string;
  readonly application: string;
  readonly family: EclApplication;
  readonly model: EclModel;
  readonly layout: ServedLayout;
  /** Raw register values, signed for int16, indexed as layout.pnus. */
  readonly values: Int32Array;
  readonly params: ThermalParams;
  readonly clock: SimClock;
  state: ThermalState;
  private control: ControlSettings;
  private clockOffsetMs: number;
  private readonly sensorFaults = new Map<number, SensorFault>();
  private mbusBusyUntil = 0;
  /** Since when the supply has been outside the flow-alarm band (PNU 11147/11148), or null. */
  private flowDeviationSince: number | null = null;

  constructor(options: ControllerOptions) {
    const family = applicationFamily(options.application);
    if (!family) throw new Error(`simulator: application ${options.application} is not modelled (A230, A237, A247, A266)`);
    this.id = options.id;
    this.application = options.application;
    this.family = family;
    this.model = options.model;
    this.clock = options.clock;
    this.layout = servedLayout(family);
    this.values = new Int32Array(this.layout.pnus.length);
    const random = createRng(options.seed);
    const subtype = Number(options.application.split('.')[1] ?? 1);
    for (const [pnu, raw] of factorySettings({ application: family, subtype, model: options.model, unitId: options.unitId ?? 1, random })) this.set(pnu, raw);
    this.clockOffsetMs = options.utcOffsetMs ?? 3_600_000;
    const profile = APPLICATION_PROFILES[family];
    const designLoadKw = Math.round(30 + random() * random() * 370);
    const points = this.curvePoints();
    const designFlow = Math.max(30, points[1]!); // curve at −15 °C
    this.params = {
      seed: options.seed,
      weatherSeed: options.weatherSeed,
      outdoorOffsetK: (random() - 0.5) * 2,
      designLoadKw,
      emitterKwPerK: designLoadKw / (designFlow - 20),
      roomTimeConstantH: 6 + random() * 6,
      dhw: family === 'A247' ? 'exchanger' : profile.dhwCircuit ? 'tank' : null,
      tankKwhPerK: (0.2 + designLoadKw / 400) * 1.163,
      dhwPeakKw: 5 + designLoadKw * 0.25,
      chargeKw: 10 + designLoadKw * 0.2,
      solarOffsetMs: 3_600_000,
    };
    this.control = this.buildControl();
    const energy = Math.floor(designLoadKw * (200 + random() * 2000) * 10) / 10;
    this.state = initialThermalState(this.params, this.control, this.clock.now(), energy, energy / (1.163 * 40));
    this.refreshDynamic(this.clock.now());
  }

  /** The Modbus address the controller answers besides 254 (PNU 38, effective immediately). */
  get unitId(): number {
    return this.get(38) ?? 1;
  }

  get(pnu: number): number | undefined {
    const i = this.layout.index.get(pnu);
    return i === undefined ? undefined : this.values[i];
  }

  private set(pnu: number, raw: number): void {
    const i = this.layout.index.get(pnu);
    if (i !== undefined) this.values[i] = raw;
  }

  /** FC03/FC04: `count` registers from `pnu`; any unserved or write-only PNU fails the whole request. */
  read(pnu: number, count: number): ReadResult {
    if (count < 1 || count > ECL_MAX_REGISTERS_PER_READ) return { exception: EXCEPTION_ILLEGAL_VALUE };
    const first = this.layout.index.get(pnu);
    if (first === undefined) return { exception: EXCEPTION_ILLEGAL_ADDRESS };
    // Served PNUs are sorted, so a gap-free block is a run of consecutive indexes.
    const last = first + count - 1;
    if (last >= this.layout.pnus.length || this.layout.pnus[last] !== pnu + count - 1) return { exception: EXCEPTION_ILLEGAL_ADDRESS };
    for (let i = first; i <= last; i++) if (!this.layout.readable[i]) return { exception: EXCEPTION_ILLEGAL_ADDRESS };
    this.refresh();
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.values[first + i]! & 0xffff;
    return { values: out };
  }

  /** FC06: returns 0 on success or an exception code. `raw` is the 16-bit word as sent. */
  write(pnu: number, word: number): number {
    const i = this.layout.index.get(pnu);
    if (i === undefined) return EXCEPTION_ILLEGAL_ADDRESS;
    const range = this.layout.writeRange[i];
    if (!range) return EXCEPTION_ILLEGAL_VALUE;
    const reg = this.layout.registers[i]!;
    const raw = reg.type === 'int16' && word > 0x7fff ? word - 0x10000 : word;
    if (!acceptsRaw(range, raw)) return EXCEPTION_ILLEGAL_VALUE;
    // Integrate the past with the settings that were in force, then change them.
    this.refresh();
    if (pnu >= 64045 && pnu <= 64049) return this.writeClock(pnu, raw);
    this.values[i] = raw;
    if (pnu === 11175) curveForSlope(raw / 10).forEach((t, k) => this.set(11400 + k, Math.min(150, Math.max(10, t))));
    else if (pnu >= 11400 && pnu <= 11405) this.set(11175, Math.round(slopeOfCurve(this.curvePoints()) * 10));
    else if ((pnu === 4201 || pnu === 4202) && raw === 0) {
      // Manual in one circuit puts every circuit in manual (domain notes §1.6).
      this.set(4201, 0);
      this.set(4202, 0);
    } else if (pnu === 5998 && raw !== 0) {
      this.mbusBusyUntil = this.clock.now() + (raw === 1 ? MBUS_INIT_MS : MBUS_SCAN_MS);
    }
    this.control = this.buildControl();
    resettleThermal(this.state, this.params, this.control);
    this.refreshDynamic(this.clock.now());
    return 0;
  }

  setSensorFault(sensor: number, fault: SensorFault | null): void {
    if (fault) this.sensorFaults.set(sensor, fault);
    else this.sensorFaults.delete(sensor);
    this.refreshDynamic(this.clock.now());
  }

  clearSensorFaults(): void {
    this.sensorFaults.clear();
    this.refreshDynamic(this.clock.now());
  }

  /** The meter was exchanged or reset: counters restart at 0 and integrate from there. */
  resetMeter(): void {
    this.refresh();
    this.state.energyKwh = 0;
    this.state.volumeM3 = 0;
    this.refreshDynamic(this.clock.now());
  }

  /** Brings the thermal state and the dynamic registers up to the clock (lazy: only when read/written). */
  refresh(): void {
    const now = this.clock.now();
    if (now > this.state.t) {
      advanceThermal(this.state, this.params, this.control, now);
      this.refreshDynamic(now);
    }
  }

  private curvePoints(): number[] {
    return [0, 1, 2, 3, 4, 5].map((k) => this.get(11400 + k) ?? 0);
  }

  private schedule(base: number): number[][] {
    return Array.from({ length: 7 }, (_, day) => [0, 1, 2, 3, 4, 5].map((k) => this.get(base + day * 10 + k) ?? 0));
  }

  private pumpOverride(pnu: number): PumpOverride {
    if (this.get(4201) === 0) return 'auto'; // overrides are ignored in Manual mode
    const raw = this.get(pnu);
    return raw === 1 ? 'off' : raw === 2 ? 'on' : 'auto';
  }

  private buildControl(): ControlSettings {
    const g = (pnu: number, fallback: number) => this.get(pnu) ?? fallback;
    return {
      curve: { points: this.curvePoints(), slope: g(11175, 10) / 10, minFlowC: g(11177, 10), maxFlowC: g(11178, 90) },
      cutOutC: g(11179, 0),
      roomComfortC: g(11180, 200) / 10,
      roomSavingC: g(11181, 170) / 10,
      frostProtectionC: g(11093, 10),
      valveNeutralZoneK: g(11187, 1),
      heating: { mode: g(4201, 1), schedule: this.schedule(3110) },
      dhwCircuit: { mode: g(4202, 2), schedule: this.schedule(3210) },
      dhwComfortC: g(12190, 530) / 10,
      dhwSavingC: g(12191, 450) / 10,
      heatingPump: this.pumpOverride(4066),
      dhwPump: this.pumpOverride(4067),
      clockOffsetMs: this.clockOffsetMs,
    };
  }

  private writeClock(pnu: number, raw: number): number {
    const now = this.clock.now();
    const d = new Date(now + this.clockOffsetMs);
    const parts = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCFullYear()];
    parts[pnu - 64045] = raw;
    const [hour, minute, day, month, year] = parts as [number, number, number, number, number];
    const next = Date.UTC(year, month - 1, day, hour, minute, 0);
    const check = new Date(next);
    // Invalid dates are rejected (e.g. day 31 in a 30-day month: change the day before the month).
    if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return EXCEPTION_ILLEGAL_VALUE;
    this.clockOffsetMs = next - now;
    this.control = this.buildControl();
    resettleThermal(this.state, this.params, this.control);
    this.refreshDynamic(now);
    return 0;
  }

  private sensorRaw(sensor: number, celsius: number | null, now: number): number {
    const fault = this.sensorFaults.get(sensor);
    if (fault) return fault === 'open' ? SENSOR_NOT_CONNECTED : SENSOR_SHORT;
    if (celsius === null) return SENSOR_NOT_CONNECTED;
    const noise = 0.08 * valueNoise(this.params.seed * 31 + sensor, now, 20_000);
    return Math.round((celsius + noise) * 100);
  }

  /** Writes the measured/derived registers from the thermal state. */
  private refreshDynamic(now: number): void {
    const s = this.state;
    const profile = APPLICATION_PROFILES[this.family];
    const byKey: Record<string, number> = {
      outdoor_temp_c: s.outdoorC,
      room_temp_c: s.roomC,
      supply_temp_c: s.supplyC,
      return_temp_c: s.returnC,
      dhw_tank_temp_c: s.tankC,
      dhw_supply_temp_c: s.dhwSupplyC,
      dhw_return_temp_c: s.dhwReturnC,
    };
    let alarms = 0;
    for (let n = 1; n <= 16; n++) {
      const key = profile.sensors[n];
      const raw = this.sensorRaw(n, key ? byKey[key]! : null, now);
      this.set(10200 + n, raw);
      const alarm = key !== undefined && this.sensorFaults.has(n);
      // Alarm number = sensor number for a broken used sensor (meaning of alarm numbers is per application; guess).
      if (alarm) alarms |= 1 << (n - 1);
      this.set(1039 + n, alarm ? 1 : 0);
    }
    this.set(1025, alarms);
    // The controller's flow-temperature alarm (11147 upper / 11148 lower difference, 0 = off; 11149 delay
    // in minutes). Which alarm number it raises is per application and not documented: we use no. 32.
    const upper = this.get(11147) ?? 0;
    const lower = this.get(11148) ?? 0;
    const deviation = s.supplyC - s.desiredFlowC;
    const deviating = (upper > 0 && deviation > upper) || (lower > 0 && -deviation > lower);
    this.flowDeviationSince = deviating ? (this.flowDeviationSince ?? now) : null;
    const flowAlarm = this.flowDeviationSince !== null && now - this.flowDeviationSince >= (this.get(11149) ?? 10) * 60_000;
    this.set(1071, flowAlarm ? 1 : 0);
    this.set(1024, flowAlarm ? 1 << 15 : 0);
    this.set(11201, this.get(10201)!);
    this.set(11202, this.get(10202) ?? 0);
    this.set(11253, Math.round(s.desiredFlowC * 100));
    this.set(10500, Math.round(s.outdoorMinC * 100));
    this.set(10505, Math.round(s.outdoorMaxC * 100));
    this.set(4211, s.heatingComfort ? 2 : 0);
    this.set(4212, s.dhwComfort ? 2 : 0);

    const manualOverride = (k: number) => this.get(4060 + k) ?? 0;
    const triacs = [s.valve === 1, s.valve === -1, this.params.dhw ? s.dhwValve === 1 : false, this.params.dhw ? s.dhwValve === -1 : false, false, false].map((on, k) => {
      const o = this.get(4201) === 0 ? 0 : manualOverride(k);
      return o === 1 ? false : o === 2 ? k % 2 === 1 : o === 3 ? k % 2 === 0 : on;
    });
    const relays = [s.heatingPumpOn, this.params.dhw ? s.dhwPumpOn : false, this.family === 'A237', false, false, false].map((on, k) => {
      const o = k < 2 ? 0 : this.get(4201) === 0 ? 0 : (this.get(4066 + k) ?? 0);
      return o === 1 ? false : o === 2 ? true : on;
    });
    let mask = 0;
    triacs.forEach((on, k) => {
      this.set(4000 + k, on ? 1 : 0);
      if (on) mask |= 1 << k;
    });
    relays.forEach((on, k) => {
      this.set(4006 + k, on ? 1 : 0);
      if (on) mask |= 1 << (6 + k);
    });
    this.set(3999, mask);

    const busy = now < this.mbusBusyUntil;
    if (!busy && this.mbusBusyUntil) {
      this.mbusBusyUntil = 0;
      this.set(5998, 0);
    }
    this.set(5999, busy ? (this.get(5998) ?? 2) : 3);
    const u32 = (pnu: number, value: number) => {
      const v = busy ? 0 : Math.floor(value) % 4294967296;
      this.set(pnu, Math.floor(v / 65536));
      this.set(pnu + 1, v % 65536);
    };
    this.set(6006, busy ? 0 : Math.round(s.primarySupplyC * 100));
    this.set(6007, busy ? 0 : Math.round(s.primaryReturnC * 100));
    u32(6008, Math.round(s.flowM3h * 10_000)); // 0.1 l/h
    u32(6010, Math.round(s.powerKw * 10));
    // Counters show whole tenths; the exact integral stays in the state so no fraction is lost.
    u32(6012, s.volumeM3 * 10);
    u32(6014, s.energyKwh * 10);

    const d = new Date(now + this.clockOffsetMs);
    this.set(64045, d.getUTCHours());
    this.set(64046, d.getUTCMinutes());
    this.set(64047, d.getUTCDate());
    this.set(64048, d.getUTCMonth() + 1);
    this.set(64049, d.getUTCFullYear());
  }
}
