// Generates the built-in ECL Comfort 296/310 templates (one per application family) from the register
// map. This table is the only place that gives ECL registers their readable point keys and valid ranges.
import type { DeviceTemplate, PointCadence, PointDefinition, PointKind } from '../templates/template.ts';
import { eclRegister, ECL_MAX_REGISTERS_PER_READ, SENSOR_NOT_CONNECTED } from './register-map.ts';
import { APPLICATION_PROFILES, ECL_APPLICATIONS, type EclApplication } from './applications.ts';

export const ECL_MODELS = ['ecl-comfort-296', 'ecl-comfort-310'] as const;

interface CataloguePoint {
  key: string;
  label: string;
  pnu: number;
  kind: PointKind;
  cadence: PointCadence;
  /** Valid range in engineering units for writable points. */
  range?: [number, number];
  /** Unit override where the map's unit is not the point key's unit (e.g. l/h → m³/h). */
  unit?: string;
  scale?: number;
}

const SENSOR_LABELS: Record<string, string> = {
  outdoor_temp_c: 'Outdoor temperature',
  room_temp_c: 'Room temperature',
  supply_temp_c: 'Heating supply (flow) temperature',
  return_temp_c: 'Heating return temperature',
  dhw_tank_temp_c: 'DHW tank temperature',
  dhw_supply_temp_c: 'DHW supply temperature',
  dhw_return_temp_c: 'DHW return temperature',
};

const HEATING_CIRCUIT: CataloguePoint[] = [
  { key: 'desired_supply_temp_c', label: 'Desired supply temperature (heat curve)', pnu: 11253, kind: 'measurement', cadence: 'live' },
  { key: 'circuit_1_mode', label: 'Heating circuit mode (0 manual, 1 scheduled, 2 comfort, 3 saving, 4 frost)', pnu: 4201, kind: 'setpoint', cadence: 'live', range: [0, 4] },
  { key: 'circuit_1_status', label: 'Heating circuit status (0 saving, 1 pre-comfort, 2 comfort, 3 pre-saving)', pnu: 4211, kind: 'state', cadence: 'live' },
  { key: 'heat_curve_slope', label: 'Heat curve slope', pnu: 11175, kind: 'setpoint', cadence: 'settings', range: [0.1, 4.0] },
  { key: 'flow_temp_min_c', label: 'Minimum supply temperature', pnu: 11177, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'flow_temp_max_c', label: 'Maximum supply temperature', pnu: 11178, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_cut_out_c', label: 'Heat cut-out outdoor temperature (0 = off)', pnu: 11179, kind: 'setpoint', cadence: 'settings', range: [0, 50] },
  { key: 'room_comfort_setpoint_c', label: 'Room temperature, comfort', pnu: 11180, kind: 'setpoint', cadence: 'settings', range: [5, 40] },
  { key: 'room_saving_setpoint_c', label: 'Room temperature, saving', pnu: 11181, kind: 'setpoint', cadence: 'settings', range: [5, 40] },
  { key: 'return_limit_c', label: 'Return temperature limit', pnu: 11028, kind: 'setpoint', cadence: 'settings', range: [10, 110] },
  { key: 'heat_curve_at_minus30_c', label: 'Heat curve: supply at -30 °C outdoor', pnu: 11400, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_curve_at_minus15_c', label: 'Heat curve: supply at -15 °C outdoor', pnu: 11401, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_curve_at_minus5_c', label: 'Heat curve: supply at -5 °C outdoor', pnu: 11402, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_curve_at_0_c', label: 'Heat curve: supply at 0 °C outdoor', pnu: 11403, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_curve_at_5_c', label: 'Heat curve: supply at 5 °C outdoor', pnu: 11404, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  { key: 'heat_curve_at_15_c', label: 'Heat curve: supply at 15 °C outdoor', pnu: 11405, kind: 'setpoint', cadence: 'settings', range: [10, 150] },
  // The controller's own flow-temperature alarm (its state arrives in the alarm bit masks); 0 = off.
  { key: 'flow_alarm_upper_difference_k', label: 'Controller alarm: supply above desired by more than (0 = off)', pnu: 11147, kind: 'setpoint', cadence: 'settings', range: [0, 30] },
  { key: 'flow_alarm_lower_difference_k', label: 'Controller alarm: supply below desired by more than (0 = off)', pnu: 11148, kind: 'setpoint', cadence: 'settings', range: [0, 30] },
  { key: 'flow_alarm_delay_min', label: 'Controller alarm: delay before the alarm', pnu: 11149, kind: 'setpoint', cadence: 'settings', range: [1, 99] },
];

const DHW_CIRCUIT: CataloguePoint[] = [
  { key: 'circuit_2_mode', label: 'DHW circuit mode (0 manual, 1 scheduled, 2 comfort, 3 saving, 4 frost)', pnu: 4202, kind: 'setpoint', cadence: 'live', range: [0, 4] },
  { key: 'circuit_2_status', label: 'DHW circuit status', pnu: 4212, kind: 'state', cadence: 'live' },
  { key: 'dhw_comfort_setpoint_c', label: 'DHW temperature, comfort', pnu: 12190, kind: 'setpoint', cadence: 'settings', range: [10, 110] },
  { key: 'dhw_saving_setpoint_c', label: 'DHW temperature, saving', pnu: 12191, kind: 'setpoint', cadence: 'settings', range: [10, 110] },
];

const OUTPUTS_AND_ALARMS: CataloguePoint[] = [
  { key: 'output_status_mask', label: 'Outputs (bits 0-5 triacs, 6-11 relays)', pnu: 3999, kind: 'state', cadence: 'live' },
  { key: 'valve_m1_opening', label: 'Valve M1 opening', pnu: 4000, kind: 'state', cadence: 'live' },
  { key: 'valve_m1_closing', label: 'Valve M1 closing', pnu: 4001, kind: 'state', cadence: 'live' },
  { key: 'pump_p1_on', label: 'Pump P1 (heating) running', pnu: 4006, kind: 'state', cadence: 'live' },
  { key: 'pump_p2_on', label: 'Pump P2 running', pnu: 4007, kind: 'state', cadence: 'live' },
  { key: 'controller_alarms_1_16', label: 'Controller alarms 1-16 (bit mask)', pnu: 1025, kind: 'alarm', cadence: 'live' },
  { key: 'controller_alarms_17_32', label: 'Controller alarms 17-32 (bit mask)', pnu: 1024, kind: 'alarm', cadence: 'live' },
];

/** Heat meter 1 on the ECL's M-bus (layout unconfirmed, single live source; see domain notes §1.7). */
const HEAT_METER: CataloguePoint[] = [
  { key: 'heat_meter_supply_temp_c', label: 'Heat meter supply temperature', pnu: 6006, kind: 'measurement', cadence: 'live' },
  { key: 'heat_meter_return_temp_c', label: 'Heat meter return temperature', pnu: 6007, kind: 'measurement', cadence: 'live' },
  { key: 'heat_flow_m3h', label: 'Heat meter flow', pnu: 6008, kind: 'measurement', cadence: 'live', unit: 'm³/h', scale: 0.0001 },
  { key: 'heat_power_kw', label: 'Heat meter power', pnu: 6010, kind: 'measurement', cadence: 'live' },
  { key: 'heat_volume_m3', label: 'Heat meter accumulated volume', pnu: 6012, kind: 'counter', cadence: 'live' },
  { key: 'heat_energy_kwh', label: 'Heat meter accumulated energy', pnu: 6014, kind: 'counter', cadence: 'live' },
];

const IDENTITY: CataloguePoint[] = [
  { key: 'application_prefix', label: 'Application key prefix (ASCII)', pnu: 2060, kind: 'identity', cadence: 'settings' },
  { key: 'application_type', label: 'Application key type', pnu: 2061, kind: 'identity', cadence: 'settings' },
  { key: 'application_subtype', label: 'Application key sub-type', pnu: 2062, kind: 'identity', cadence: 'settings' },
  { key: 'software_version_raw', label: 'Software version (packed)', pnu: 35, kind: 'identity', cadence: 'settings' },
];

/** Meter point keys, for the meter-reader node. */
export const HEAT_METER_POINT_KEYS = HEAT_METER.map((p) => p.key);

function toPoint(c: CataloguePoint): PointDefinition {
  const reg = eclRegister(c.pnu);
  const point: PointDefinition = {
    key: c.key,
    label: c.label,
    register: reg.register,
    read: 'holding',
    type: reg.type,
    scale: c.scale ?? reg.scale,
    unit: c.unit ?? (reg.unit === '°C' ? '°C' : reg.unit),
    access: reg.access,
    kind: c.kind,
    cadence: c.cadence,
    pnu: reg.pnu,
  };
  if (c.range) [point.min, point.max] = c.range;
  if (reg.access === 'rw' && !c.range) throw new Error(`ECL catalogue: writable ${c.key} needs a valid range`);
  return point;
}

function sensorPoint(sensor: number, key: string): PointDefinition {
  return { ...toPoint({ key, label: SENSOR_LABELS[key] ?? key, pnu: 10200 + sensor, kind: 'measurement', cadence: 'live' }), sensorBreakRaw: [SENSOR_NOT_CONNECTED] };
}

export function eclTemplateId(application: EclApplication): string {
  return `ecl-comfort/${application}`;
}

export function buildEclTemplate(application: EclApplication): DeviceTemplate {
  const profile = APPLICATION_PROFILES[application];
  const points = [
    ...Object.entries(profile.sensors).map(([s, key]) => sensorPoint(Number(s), key)),
    ...HEATING_CIRCUIT.map(toPoint),
    ...(profile.dhwCircuit ? DHW_CIRCUIT.map(toPoint) : []),
    ...OUTPUTS_AND_ALARMS.map(toPoint),
    ...HEAT_METER.map(toPoint),
    ...IDENTITY.map(toPoint),
  ];
  return {
    id: eclTemplateId(application),
    name: `Danfoss ECL Comfort 296/310, ${application} (${profile.description})`,
    models: [...ECL_MODELS],
    application,
    protocol: 'modbus-tcp',
    maxRegistersPerRead: ECL_MAX_REGISTERS_PER_READ,
    points,
    source: 'builtin',
  };
}

export const ECL_TEMPLATES: readonly DeviceTemplate[] = ECL_APPLICATIONS.map(buildEclTemplate);
