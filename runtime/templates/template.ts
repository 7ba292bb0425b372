// Device templates as data: the points a model/application exposes over Modbus, with register,
// encoding, unit, access and valid range. ECL templates are generated from the register map
// (runtime/ecl/ecl-templates.ts); third-party devices bring the same shape as JSON.

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32';
/** Which Modbus read function serves the point: FC03 holding or FC04 input registers. */
export type ReadFunction = 'holding' | 'input';
export type PointKind = 'measurement' | 'counter' | 'setpoint' | 'state' | 'alarm' | 'identity';
/** live: read every poll; settings: read every few polls (they change only when written). */
export type PointCadence = 'live' | 'settings';

export interface PointDefinition {
  /** Stable, readable, unit-explicit key: supply_temp_c, heat_energy_kwh ... */
  key: string;
  label: string;
  /** 0-based on-the-wire register address. */
  register: number;
  read: ReadFunction;
  type: RegisterType;
  /** Multiply the raw integer by this to get the value in `unit`. */
  scale: number;
  unit: string;
  access: 'r' | 'rw';
  kind: PointKind;
  cadence: PointCadence;
  /** Valid range in engineering units; writes outside it are refused before touching the wire. */
  min?: number;
  max?: number;
  /** Raw values that mean "sensor not connected / broken" (ECL: 19200 = 192.00 °C). */
  sensorBreakRaw?: number[];
  /** Danfoss parameter number, for ECL points (register = pnu - 1). */
  pnu?: number;
}

export interface DeviceTemplate {
  id: string;
  name: string;
  /** Models the template applies to, e.g. ["ecl-comfort-296", "ecl-comfort-310"]. */
  models: string[];
  /** Application key the template describes (ECL), or null for a whole-device template. */
  application: string | null;
  protocol: 'modbus-tcp' | 'modbus-rtu';
  /** Largest register block the device accepts in one read (ECL: 123). */
  maxRegistersPerRead: number;
  points: PointDefinition[];
  source: 'builtin' | 'user';
}

export function wordsOf(type: RegisterType): 1 | 2 {
  return type === 'int32' || type === 'uint32' ? 2 : 1;
}

export class TemplateError extends Error {
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(details.length ? `${message}: ${details.join('; ')}` : message);
    this.details = details;
  }
}

const KEY = /^[a-z][a-z0-9_]{0,62}$/;
const TYPES: readonly RegisterType[] = ['int16', 'uint16', 'int32', 'uint32'];
const KINDS: readonly PointKind[] = ['measurement', 'counter', 'setpoint', 'state', 'alarm', 'identity'];

/** Checks a user template (parsed JSON) and returns it typed; every problem is listed at once. */
export function validateTemplate(input: unknown): DeviceTemplate {
  const problems: string[] = [];
  const t = input as Partial<DeviceTemplate> | null;
  if (!t || typeof t !== 'object') throw new TemplateError('template must be a JSON object');
  if (typeof t.id !== 'string' || !/^[a-z0-9][a-z0-9._/-]{1,80}$/.test(t.id)) problems.push('id: 2-81 characters a-z 0-9 . _ / -');
  if (typeof t.name !== 'string' || !t.name.trim()) problems.push('name: required');
  if (!Array.isArray(t.models) || t.models.some((m) => typeof m !== 'string')) problems.push('models: array of model names');
  if (t.protocol !== 'modbus-tcp' && t.protocol !== 'modbus-rtu') problems.push('protocol: modbus-tcp or modbus-rtu');
  const maxRead = t.maxRegistersPerRead ?? 125;
  if (!Number.isInteger(maxRead) || maxRead < 1 || maxRead > 125) problems.push('maxRegistersPerRead: 1..125');
  if (!Array.isArray(t.points) || t.points.length === 0) problems.push('points: at least one point');
  const keys = new Set<string>();
  for (const [i, p] of (Array.isArray(t.points) ? t.points : []).entries()) {
    const where = `points[${i}]${p && typeof p.key === 'string' ? ` (${p.key})` : ''}`;
    if (!p || typeof p !== 'object') {
      problems.push(`${where}: must be an object`);
      continue;
    }
    if (typeof p.key !== 'string' || !KEY.test(p.key)) problems.push(`${where}.key: lower_snake_case, unit-explicit (e.g. supply_temp_c)`);
    else if (keys.has(p.key)) problems.push(`${where}.key: duplicate`);
    else keys.add(p.key);
    if (!Number.isInteger(p.register) || p.register < 0 || p.register > 65535) problems.push(`${where}.register: 0..65535`);
    if (p.read !== 'holding' && p.read !== 'input') problems.push(`${where}.read: holding or input`);
    if (!TYPES.includes(p.type)) problems.push(`${where}.type: one of ${TYPES.join(', ')}`);
    if (typeof p.scale !== 'number' || !Number.isFinite(p.scale) || p.scale === 0) problems.push(`${where}.scale: a non-zero number`);
    if (typeof p.unit !== 'string') problems.push(`${where}.unit: a string ("" when dimensionless)`);
    if (p.access !== 'r' && p.access !== 'rw') problems.push(`${where}.access: r or rw`);
    if (!KINDS.includes(p.kind)) problems.push(`${where}.kind: one of ${KINDS.join(', ')}`);
    if (p.cadence !== undefined && p.cadence !== 'live' && p.cadence !== 'settings') problems.push(`${where}.cadence: live or settings`);
    if (p.min !== undefined && typeof p.min !== 'number') problems.push(`${where}.min: a number`);
    if (p.max !== undefined && typeof p.max !== 'number') problems.push(`${where}.max: a number`);
    if (typeof p.min === 'number' && typeof p.max === 'number' && p.min > p.max) problems.push(`${where}: min > max`);
    if (p.access === 'rw' && (typeof p.min !== 'number' || typeof p.max !== 'number')) problems.push(`${where}: writable points need min and max`);
  }
  if (problems.length) throw new TemplateError('invalid template', problems);
  return {
    id: t.id!,
    name: t.name!,
    models: t.models!,
    application: t.application ?? null,
    protocol: t.protocol!,
    maxRegistersPerRead: maxRead,
    points: t.points!.map((p) => ({ ...p, label: p.label ?? p.key, cadence: p.cadence ?? 'live' })),
    source: 'user',
  };
}
