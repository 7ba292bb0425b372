// What the substation diagram shows for a device: the layout family of its ECL application and, for
// each place on the drawing, the value text and state. Pure (no DOM): the SVG component only draws it.
import { formatReading, type UnitPrefs } from './units.ts';

/** A230: heating circuit only. A237/A247/A266 (and unknown ECL applications): heating + domestic hot water. */
export type DiagramFamily = 'heating' | 'heating-dhw';

export function diagramFamily(application: string | null | undefined): DiagramFamily {
  if (!application) return 'heating-dhw';
  return /^A230(\.|$)/i.test(application.trim()) ? 'heating' : 'heating-dhw';
}

export type Quality = 'good' | 'sensor-break' | 'stale' | 'comm-error';

/** A place on the drawing: sensor labels, pumps, valve, meter. */
export interface DiagramSlot {
  id: string;
  point: string;
  /** Only drawn for these families. */
  families: DiagramFamily[];
}

export const DIAGRAM_SLOTS: DiagramSlot[] = [
  { id: 'outdoor', point: 'outdoor_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'primarySupply', point: 'heat_meter_supply_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'primaryReturn', point: 'heat_meter_return_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'supply', point: 'supply_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'return', point: 'return_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'desiredSupply', point: 'desired_supply_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'room', point: 'room_temp_c', families: ['heating', 'heating-dhw'] },
  { id: 'valve', point: 'valve_m1_opening', families: ['heating', 'heating-dhw'] },
  { id: 'pumpHeating', point: 'pump_p1_on', families: ['heating', 'heating-dhw'] },
  { id: 'power', point: 'heat_power_kw', families: ['heating', 'heating-dhw'] },
  { id: 'flow', point: 'heat_flow_m3h', families: ['heating', 'heating-dhw'] },
  { id: 'dhwTank', point: 'dhw_tank_temp_c', families: ['heating-dhw'] },
  { id: 'dhwSupply', point: 'dhw_supply_temp_c', families: ['heating-dhw'] },
  { id: 'dhwReturn', point: 'dhw_return_temp_c', families: ['heating-dhw'] },
  { id: 'pumpDhw', point: 'pump_p2_on', families: ['heating-dhw'] },
];

export interface SlotView {
  id: string;
  point: string;
  text: string;
  /** ok: a good value; missing: no value yet; fault: sensor break or communication error; stale: old value. */
  state: 'ok' | 'missing' | 'fault' | 'stale';
  /** For pumps: running; for the valve: opening 0..100. */
  running?: boolean;
  opening?: number;
}

export interface DiagramInput {
  readings: Record<string, number | null | undefined>;
  quality?: Record<string, Quality | undefined>;
}

export function diagramView(family: DiagramFamily, input: DiagramInput, prefs: UnitPrefs, locale: string, words: { on: string; off: string; sensorBreak: string }): SlotView[] {
  return DIAGRAM_SLOTS.filter((s) => s.families.includes(family)).map((slot) => {
    const value = input.readings[slot.point];
    const q = input.quality?.[slot.point];
    const has = value !== null && value !== undefined && Number.isFinite(value);
    let state: SlotView['state'] = has ? 'ok' : 'missing';
    if (q === 'sensor-break' || q === 'comm-error') state = 'fault';
    else if (q === 'stale' && has) state = 'stale';
    const text = q === 'sensor-break' ? words.sensorBreak : formatReading(slot.point, has ? value : null, prefs, locale, words);
    const view: SlotView = { id: slot.id, point: slot.point, text, state };
    if (slot.point.startsWith('pump_')) view.running = has && value !== 0;
    if (slot.point === 'valve_m1_opening') view.opening = has ? Math.max(0, Math.min(100, value)) : 0;
    return view;
  });
}

/** Pipe colour class from a temperature: hot supply vs cooled return, grey when unknown. */
export function pipeTone(tempC: number | null | undefined): 'hot' | 'warm' | 'cool' | 'unknown' {
  if (tempC === null || tempC === undefined || !Number.isFinite(tempC)) return 'unknown';
  if (tempC >= 55) return 'hot';
  if (tempC >= 35) return 'warm';
  return 'cool';
}

/** Merges a live poll message's readings into the device's current values (newer wins, unknown keys kept). */
export function mergeReadings(current: DiagramInput, update: { readings?: Record<string, unknown>; quality?: Record<string, unknown> }): DiagramInput {
  const readings = { ...current.readings };
  const quality = { ...(current.quality ?? {}) };
  for (const [k, v] of Object.entries(update.readings ?? {})) {
    if (typeof v === 'number' || v === null) readings[k] = v;
    else if (typeof v === 'boolean') readings[k] = v ? 1 : 0;
  }
  for (const [k, v] of Object.entries(update.quality ?? {})) if (typeof v === 'string') quality[k] = v as Quality;
  return { readings, quality };
}
