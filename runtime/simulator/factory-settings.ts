// What a commissioned ECL holds in its settings registers when the simulator starts: the live A266.1
// snapshot of the domain notes (§4: slope 1.2, min/max flow, cut-out 20 °C, room 20.0/17.0 °C, DHW
// 53.0/45.0 °C, return limit 70 °C, Xp/Tn/run time/neutral zone) with a little per-device variation so a
// fleet is not 10,000 copies. Values are raw register values (signed for int16).
import { curveForSlope } from './heat-curve.ts';
import type { EclApplication } from '../ecl/applications.ts';

export type EclModel = 'ecl-comfort-310' | 'ecl-comfort-296';

export interface FactoryInput {
  application: EclApplication;
  subtype: number;
  model: EclModel;
  unitId: number;
  /** Uniform [0,1) source for per-device variation. */
  random: () => number;
}

const WEEKDAY_HEATING = [600, 2200, 0, 0, 0, 0];
const WEEKEND_HEATING = [700, 2300, 0, 0, 0, 0];
const DHW_SCHEDULE = [500, 2300, 0, 0, 0, 0];

export function factorySettings(input: FactoryInput): Map<number, number> {
  const { random } = input;
  const v = new Map<number, number>();
  const slope = Math.round((0.9 + random() * 0.7) * 10) / 10;
  const serial = 100000 + Math.floor(random() * 899999);
  // Identification (PNU 8, 19, 34-37; domain notes §1.6). 087H3040 = ECL 310; the 296 code is a guess.
  v.set(8, 12214).set(19, input.model === 'ecl-comfort-310' ? 3040 : 3030).set(34, 16642).set(35, 557);
  v.set(36, serial >>> 16).set(37, serial & 0xffff).set(38, input.unitId).set(39, 38);
  // Network settings as the simulator really is reachable: 127.0.0.1 / 255.0.0.0.
  [1, 127, 0, 0, 1, 127, 0, 0, 1, 255, 0, 0, 0].forEach((x, i) => v.set(i === 0 ? 258 : 277 + i, x));
  // Application key (2060-2063): 'A', type, sub-type, version (A266.1 v8.00 live → 2048, others 1.02).
  v.set(2060, 65).set(2061, Number(input.application.slice(1))).set(2062, input.subtype).set(2063, input.application === 'A266' ? 2048 : 258);
  v.set(2099, ((16 + Math.floor(random() * 9)) << 8) | (1 + Math.floor(random() * 52)));
  // Circuit modes: scheduled heating, DHW in constant comfort (live snapshot: c1 = 1, c2 = 2).
  v.set(4201, 1).set(4202, 2);
  // M-bus: 2400 baud, idle/collecting, meter 1 at primary address 1, scan time 60 s.
  v.set(5997, 3).set(5998, 0).set(5999, 3).set(6000, 1).set(6001, 0).set(6002, 60);
  v.set(10198, 1);
  // Heating circuit 1.
  curveForSlope(slope).forEach((t, i) => v.set(11400 + i, t));
  v.set(11175, Math.round(slope * 10)).set(11177, 25).set(11178, 90).set(11179, 20);
  v.set(11180, 200).set(11181, 170).set(11028, 70).set(11021, 0).set(11040, 3).set(11052, 0).set(11093, 10);
  // Flow-temperature alarm of circuit 1: upper/lower difference off (0), delay 10 min (factory values).
  v.set(11147, 0).set(11148, 0).set(11149, 10);
  v.set(11184, 40).set(11185, 500).set(11186, 70).set(11187, 1);
  v.set(11392, 5).set(11393, 20).set(11396, 10).set(11397, 1).set(11398, 0);
  for (let day = 0; day < 7; day++) {
    (day < 5 ? WEEKDAY_HEATING : WEEKEND_HEATING).forEach((x, i) => v.set(3110 + day * 10 + i, x));
    DHW_SCHEDULE.forEach((x, i) => v.set(3210 + day * 10 + i, x));
  }
  // DHW circuit 2.
  v.set(12190, 530).set(12191, 450).set(12030, 40).set(12093, 10).set(12177, 10).set(12178, 90);
  v.set(12184, 35).set(12185, 600).set(12186, 70).set(12187, 3);
  v.set(12122, 0).set(12123, 4).set(12124, 120).set(12125, 9);
  v.set(12076, 2).set(12152, 65).set(12193, 15).set(12194, 3).set(12195, -3);
  return v;
}
