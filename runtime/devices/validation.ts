// Validation of device input: one place that turns loose input (API body, CSV row, CLI flags) into a
// Device, listing every problem at once so a commissioning engineer fixes a row in one go.
import { isIP } from 'node:net';
import { ECL_MODELS } from '../ecl/ecl-templates.ts';
import type { Device, DeviceConnection, MeterInfo } from './device.ts';

/** One problem with one field; `field` is a dotted path such as "connection.port". */
export interface FieldProblem {
  field: string;
  message: string;
}

export type DeviceErrorCode = 'invalid_device' | 'invalid_query' | 'device_exists' | 'device_not_found';

export class DeviceError extends Error {
  readonly code: DeviceErrorCode;
  readonly details: FieldProblem[];
  constructor(code: DeviceErrorCode, message: string, details: FieldProblem[] = []) {
    super(details.length ? `${message}: ${describeProblems(details)}` : message);
    this.code = code;
    this.details = details;
  }
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

/** Used when a device is added without a model: the fleet is ECL Comfort 310 (296 shares the map). */
export const DEFAULT_MODEL = 'ecl-comfort-310';
export const DEFAULT_MODBUS_PORT = 502;
export const DEFAULT_UNIT_ID = 1;
export const MAX_NAME_LENGTH = 120;
export const MAX_ADDRESS_LENGTH = 200;

export const DEVICE_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const MODEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Application keys: "A266.1" on ECL; third-party devices may name their own (letters, digits, . _ -). */
const APPLICATION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const ECL_APPLICATION = /^[A-Z]\d{3}(?:\.\d{1,2})?$/;
const TAG = /^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}_:./-]{0,47}$/u;
const TEMPLATE_ID = /^[a-z0-9][a-z0-9._/-]{1,80}$/;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isEclModel(model: string): boolean {
  return (ECL_MODELS as readonly string[]).includes(model);
}

export function isHost(host: string): boolean {
  if (isIP(host)) return true;
  if (host.length > 253 || /^[\d.]+$/.test(host)) return false; // "300.1.1.1" is neither an IP nor a name
  return host.split('.').every((label) => HOST_LABEL.test(label));
}

const TRANSLITERATE: Record<string, string> = { æ: 'ae', ø: 'o', ß: 'ss', ł: 'l', đ: 'd', þ: 'th', œ: 'oe' };

/** "Kalevankatu 12 / Ø" → "kalevankatu-12-o": a readable id for people who type ids into URLs. */
export function slugify(text: string, maxLength = 64): string {
  const slug = text
    .toLowerCase()
    .replace(/[æøßłđþœ]/g, (c) => TRANSLITERATE[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
  return slug;
}

/** Picks `base`, `base-2`, `base-3` ... whichever is free; `taken` answers for the store. */
export function uniqueSlug(text: string, taken: (id: string) => boolean, fallback = 'device'): string {
  const base = slugify(text, 58) || fallback;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}

/** What callers may give when creating or updating a device. Connection may be partial on update. */
export interface DeviceInput {
  id?: string;
  name?: string;
  model?: string;
  application?: string | null;
  templateId?: string | null;
  connection?: Partial<DeviceConnection> & { kind?: DeviceConnection['kind'] };
  address?: string;
  lat?: number | null;
  lon?: number | null;
  tags?: string[];
  meters?: MeterInfo[];
  enabled?: boolean;
}

const INPUT_FIELDS = new Set(['id', 'name', 'model', 'application', 'templateId', 'connection', 'address', 'lat', 'lon', 'tags', 'meters', 'enabled']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function checkConnection(c: Record<string, unknown>, model: string, problems: FieldProblem[]): void {
  const add = (field: string, message: string) => problems.push({ field: `connection.${field}`, message });
  switch (c.kind) {
    case 'modbus-tcp':
      if (typeof c.host !== 'string' || !isHost(c.host)) add('host', 'a hostname or an IPv4/IPv6 address');
      if (!isInt(c.port, 1, 65535)) add('port', 'an integer 1..65535');
      if (isEclModel(model)) {
        if (!isInt(c.unitId, 1, 247) && c.unitId !== 254) add('unitId', 'ECL Comfort answers unit ids 1..247 or 254');
      } else if (!isInt(c.unitId, 0, 255)) add('unitId', 'an integer 0..255');
      break;
    case 'opcua':
      if (typeof c.endpoint !== 'string' || !/^opc\.tcp:\/\/[^\s/]+/.test(c.endpoint)) add('endpoint', 'an opc.tcp://host:port/... URL');
      if (!isObject(c.nodeIds) || Object.values(c.nodeIds).some((v) => typeof v !== 'string' || !v)) add('nodeIds', 'an object of point key → node id strings');
      break;
    case 'gateway':
      if (typeof c.gatewayId !== 'string' || !DEVICE_ID.test(c.gatewayId)) add('gatewayId', 'a gateway id (a-z 0-9 -)');
      if (typeof c.address !== 'string' || !c.address.trim() || c.address.length > 64) add('address', 'the address behind the gateway, 1..64 characters');
      break;
    default:
      add('kind', 'modbus-tcp, opcua or gateway');
  }
}

function checkMeters(meters: unknown, problems: FieldProblem[]): void {
  if (!Array.isArray(meters)) {
    problems.push({ field: 'meters', message: 'an array' });
    return;
  }
  meters.forEach((m, i) => {
    const field = `meters[${i}]`;
    if (!isObject(m)) return problems.push({ field, message: 'an object' });
    if (m.source !== 'ecl-mbus' && m.source !== 'template') problems.push({ field: `${field}.source`, message: 'ecl-mbus or template' });
    if (m.source === 'ecl-mbus' ? !isInt(m.index, 1, 5) : !isInt(m.index, 1, 255)) problems.push({ field: `${field}.index`, message: m.source === 'ecl-mbus' ? 'ECL M-bus meter 1..5' : 'an integer 1..255' });
    for (const k of ['serial', 'manufacturer'] as const) if (m[k] !== undefined && typeof m[k] !== 'string') problems.push({ field: `${field}.${k}`, message: 'a string' });
  });
}

/** Every problem of a whole device (after defaults and patches are applied). */
export function deviceProblems(d: Device, templateExists?: (id: string) => boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (typeof d.id !== 'string' || !DEVICE_ID.test(d.id)) add('id', '1..64 characters a-z 0-9 -, not starting or ending with -');
  if (typeof d.name !== 'string' || !d.name.trim()) add('name', 'required');
  else if (d.name.length > MAX_NAME_LENGTH) add('name', `at most ${MAX_NAME_LENGTH} characters (has ${d.name.length})`);
  if (typeof d.model !== 'string' || !MODEL.test(d.model)) add('model', 'a model name such as ecl-comfort-310 (a-z 0-9 . _ -)');
  if (d.application !== null) {
    if (typeof d.application !== 'string' || !APPLICATION.test(d.application)) add('application', 'an application key such as A266.1, or empty');
    else if (isEclModel(d.model) && !ECL_APPLICATION.test(d.application)) add('application', `ECL application keys look like A266.1 (got "${d.application}")`);
  }
  if (d.templateId !== null) {
    if (typeof d.templateId !== 'string' || !TEMPLATE_ID.test(d.templateId)) add('templateId', 'a template id, or empty to derive it from model and application');
    else if (templateExists && !templateExists(d.templateId)) add('templateId', `no template "${d.templateId}"`);
  }
  if (!isObject(d.connection)) add('connection', 'an object with kind modbus-tcp, opcua or gateway');
  else checkConnection(d.connection as unknown as Record<string, unknown>, typeof d.model === 'string' ? d.model : '', problems);
  if (typeof d.address !== 'string') add('address', 'a string');
  else if (d.address.length > MAX_ADDRESS_LENGTH) add('address', `at most ${MAX_ADDRESS_LENGTH} characters`);
  const latGiven = d.lat !== null;
  const lonGiven = d.lon !== null;
  if (latGiven && (typeof d.lat !== 'number' || !Number.isFinite(d.lat) || d.lat < -90 || d.lat > 90)) add('lat', 'a latitude -90..90');
  if (lonGiven && (typeof d.lon !== 'number' || !Number.isFinite(d.lon) || d.lon < -180 || d.lon > 180)) add('lon', 'a longitude -180..180');
  if (latGiven !== lonGiven) add(latGiven ? 'lon' : 'lat', 'give lat and lon together (or neither)');
  if (!Array.isArray(d.tags)) add('tags', 'an array of lowercase strings');
  else
    d.tags.forEach((t, i) => {
      if (typeof t !== 'string' || !TAG.test(t)) add(`tags[${i}]`, `lowercase letters, digits and _ : . / -, 1..48 characters (got ${JSON.stringify(t)})`);
    });
  checkMeters(d.meters, problems);
  if (typeof d.enabled !== 'boolean') add('enabled', 'true or false');
  return problems;
}

function trimmed(v: unknown): unknown {
  return typeof v === 'string' ? v.trim() : v;
}

/**
 * Applies `input` on top of `base` (null = create, with defaults) and returns the resulting device and
 * every problem. Unknown fields are problems too, so a misspelt "unitid" does not pass silently.
 */
export function buildDevice(input: unknown, base: Device | null, now: number, templateExists?: (id: string) => boolean): { device: Device; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) {
    problems.push({ field: '', message: 'a device must be an object' });
    return { device: base ?? ({} as Device), problems };
  }
  for (const key of Object.keys(input)) if (!INPUT_FIELDS.has(key)) problems.push({ field: key, message: 'unknown field' });
  if (base && input.id !== undefined && input.id !== base.id) problems.push({ field: 'id', message: 'cannot be changed; create a new device instead' });
  const has = (k: string) => input[k] !== undefined;

  let connection: unknown = base?.connection;
  if (has('connection')) {
    const patch = input.connection;
    if (!isObject(patch)) connection = patch;
    else if (base && (patch.kind === undefined || patch.kind === base.connection.kind)) connection = { ...base.connection, ...patch };
    else connection = { kind: 'modbus-tcp', ...(patch.kind === undefined || patch.kind === 'modbus-tcp' ? { port: DEFAULT_MODBUS_PORT, unitId: DEFAULT_UNIT_ID } : {}), ...patch };
  }
  if (isObject(connection) && typeof connection.host === 'string') connection = { ...connection, host: connection.host.trim() };

  const tags = has('tags') ? input.tags : base?.tags ?? [];
  const device: Device = {
    id: (has('id') ? trimmed(input.id) : base?.id ?? '') as string,
    name: (has('name') ? trimmed(input.name) : base?.name ?? '') as string,
    model: (has('model') ? trimmed(input.model) : base?.model ?? DEFAULT_MODEL) as string,
    application: (has('application') ? trimmed(input.application) || null : base?.application ?? null) as string | null,
    templateId: (has('templateId') ? trimmed(input.templateId) || null : base?.templateId ?? null) as string | null,
    connection: connection as DeviceConnection,
    address: (has('address') ? trimmed(input.address) ?? '' : base?.address ?? '') as string,
    lat: (has('lat') ? input.lat : base?.lat ?? null) as number | null,
    lon: (has('lon') ? input.lon : base?.lon ?? null) as number | null,
    // Duplicate tags are harmless to drop; order is kept as given.
    tags: (Array.isArray(tags) ? [...new Set(tags)] : tags) as string[],
    meters: (has('meters') ? input.meters : base?.meters ?? []) as MeterInfo[],
    enabled: (has('enabled') ? input.enabled : base?.enabled ?? true) as boolean,
    createdAt: base?.createdAt ?? now,
    updatedAt: now,
  };
  for (const p of deviceProblems(device, templateExists)) {
    if (p.field === 'connection' && connection === undefined) p.message = 'required, e.g. {"kind":"modbus-tcp","host":"10.0.0.5","port":502,"unitId":1}';
    problems.push(p);
  }
  return { device, problems };
}
