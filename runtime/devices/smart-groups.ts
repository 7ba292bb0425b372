// Smart groups: saved live queries over devices (name pattern, tags, address, area, model, application,
// online/offline/alarm status, explicit include/exclude). Only the query is stored; members are computed
// on use, so a device commissioned tomorrow joins every group it matches without anyone editing them.
import type { ConfigStore } from '../store/config-store.ts';
import type { Device } from './device.ts';
import type { DeviceRegistry } from './registry.ts';
import { DEVICE_ID, describeProblems, MAX_NAME_LENGTH, uniqueSlug, type FieldProblem } from './validation.ts';

/** What the poller (online/offline) and the alarm engine (active alarms) tell smart groups. */
export interface DeviceStatusSource {
  statusOf(deviceId: string): 'online' | 'offline' | 'unknown';
  hasActiveAlarm?(deviceId: string): boolean;
}

export type GroupStatus = 'online' | 'offline' | 'unknown' | 'alarm';

/** Every given criterion must hold (AND); lists inside one criterion are alternatives (OR). */
export interface SmartGroupFilter {
  /** Device name: a glob when it holds * or ? ("Kirkko*"), else a case-insensitive substring. */
  name?: string;
  tags?: string[];
  /** "any" (default): at least one of `tags`; "all": every one of them. */
  tagMatch?: 'any' | 'all';
  /** Case-insensitive text in the device's address. */
  address?: string;
  /** Devices inside the box (minLon > maxLon crosses the antimeridian). Devices without lat/lon never match. */
  bbox?: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  /** Devices within radiusKm of a point (great-circle distance). */
  near?: { lat: number; lon: number; radiusKm: number };
  models?: string[];
  /** "A266" matches A266 and every A266.x; "A266.1" only itself. */
  applications?: string[];
  /** Any of these states; "alarm" = has an active alarm. Without a status source every device is "unknown". */
  status?: GroupStatus[];
  enabled?: boolean;
  /** Always members, whatever the criteria say (unless excluded). */
  include?: string[];
  /** Never members. */
  exclude?: string[];
}

export interface SmartGroup {
  id: string;
  name: string;
  description: string;
  filter: SmartGroupFilter;
  createdAt: number;
  updatedAt: number;
}

export interface SmartGroupInput {
  id?: string;
  name?: string;
  description?: string;
  filter?: SmartGroupFilter;
}

export type SmartGroupErrorCode = 'invalid_group' | 'group_exists' | 'group_not_found';

export class SmartGroupError extends Error {
  readonly code: SmartGroupErrorCode;
  readonly details: FieldProblem[];
  constructor(code: SmartGroupErrorCode, message: string, details: FieldProblem[] = []) {
    super(details.length ? `${message}: ${describeProblems(details)}` : message);
    this.code = code;
    this.details = details;
  }
}

const CRITERIA = ['name', 'tags', 'address', 'bbox', 'near', 'models', 'applications', 'status', 'enabled'] as const;
const FILTER_FIELDS = new Set<string>([...CRITERIA, 'tagMatch', 'include', 'exclude']);
const STATUSES: readonly GroupStatus[] = ['online', 'offline', 'unknown', 'alarm'];
const MAX_DESCRIPTION = 500;
const EARTH_RADIUS_KM = 6371.0088;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** Great-circle distance in km (haversine). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'iu');
}

/** Every problem of a filter. `deviceExists` checks include/exclude ids (typos would otherwise do nothing). */
export function filterProblems(filter: unknown, deviceExists?: (id: string) => boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `filter.${field}`, message });
  if (!isObject(filter)) return [{ field: 'filter', message: 'an object' }];
  for (const key of Object.keys(filter)) if (!FILTER_FIELDS.has(key)) add(key, `unknown criterion (known: ${[...FILTER_FIELDS].join(', ')})`);
  const stringList = (key: string, check: (s: string) => boolean, what: string) => {
    const v = filter[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length === 0) return add(key, `a non-empty list of ${what}`);
    v.forEach((s, i) => {
      if (typeof s !== 'string' || !check(s)) add(`${key}[${i}]`, `${what} (got ${JSON.stringify(s)})`);
    });
  };
  const text = (key: string) => {
    const v = filter[key];
    if (v !== undefined && (typeof v !== 'string' || !v.trim() || v.length > 200)) add(key, 'text of 1..200 characters');
  };
  text('name');
  text('address');
  stringList('tags', (s) => s === s.toLowerCase() && s.trim() === s && s.length > 0, 'lowercase tags');
  if (filter.tagMatch !== undefined && filter.tagMatch !== 'any' && filter.tagMatch !== 'all') add('tagMatch', 'any or all');
  if (filter.tagMatch !== undefined && filter.tags === undefined) add('tagMatch', 'only with tags');
  stringList('models', (s) => s.length > 0 && s.length <= 64, 'model names');
  stringList('applications', (s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(s), 'application keys such as A266 or A266.1');
  stringList('status', (s) => (STATUSES as readonly string[]).includes(s), STATUSES.join(', '));
  if (filter.enabled !== undefined && typeof filter.enabled !== 'boolean') add('enabled', 'true or false');
  if (filter.bbox !== undefined) {
    const b = filter.bbox;
    if (!isObject(b)) add('bbox', 'an object {minLat, minLon, maxLat, maxLon}');
    else {
      for (const k of ['minLat', 'maxLat'] as const) if (!isNum(b[k], -90, 90)) add(`bbox.${k}`, 'a latitude -90..90');
      for (const k of ['minLon', 'maxLon'] as const) if (!isNum(b[k], -180, 180)) add(`bbox.${k}`, 'a longitude -180..180');
      if (isNum(b.minLat, -90, 90) && isNum(b.maxLat, -90, 90) && b.minLat > b.maxLat) add('bbox', 'minLat must not exceed maxLat');
    }
  }
  if (filter.near !== undefined) {
    const n = filter.near;
    if (!isObject(n)) add('near', 'an object {lat, lon, radiusKm}');
    else {
      if (!isNum(n.lat, -90, 90)) add('near.lat', 'a latitude -90..90');
      if (!isNum(n.lon, -180, 180)) add('near.lon', 'a longitude -180..180');
      if (!isNum(n.radiusKm, 0, 20050) || n.radiusKm === 0) add('near.radiusKm', 'a distance in km, more than 0');
    }
  }
  for (const key of ['include', 'exclude'] as const) {
    const v = filter[key];
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      add(key, 'a list of device ids');
      continue;
    }
    const bad = v.filter((id) => typeof id !== 'string' || !DEVICE_ID.test(id));
    if (bad.length) add(key, `not device ids: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    const unknown = deviceExists ? v.filter((id) => typeof id === 'string' && DEVICE_ID.test(id) && !deviceExists(id)) : [];
    if (unknown.length) add(key, `no such devices: ${unknown.join(', ')}`);
  }
  const hasCriterion = CRITERIA.some((k) => filter[k] !== undefined);
  if (!hasCriterion && !(Array.isArray(filter.include) && filter.include.length))
    problems.push({ field: 'filter', message: 'give at least one criterion or an include list (for every device but a few, use name "*" with exclude)' });
  return problems;
}

/** Compiles a (valid) filter into a test on one device. */
export function compileFilter(filter: SmartGroupFilter, status?: DeviceStatusSource): (device: Device) => boolean {
  const tests: ((d: Device) => boolean)[] = [];
  if (filter.name !== undefined) {
    const pattern = filter.name.trim();
    if (/[*?]/.test(pattern)) {
      const re = globToRegExp(pattern);
      tests.push((d) => re.test(d.name));
    } else {
      const needle = pattern.toLocaleLowerCase('und');
      tests.push((d) => d.name.toLocaleLowerCase('und').includes(needle));
    }
  }
  if (filter.tags) {
    const tags = filter.tags;
    tests.push(filter.tagMatch === 'all' ? (d) => tags.every((t) => d.tags.includes(t)) : (d) => tags.some((t) => d.tags.includes(t)));
  }
  if (filter.address !== undefined) {
    const needle = filter.address.trim().toLocaleLowerCase('und');
    tests.push((d) => d.address.toLocaleLowerCase('und').includes(needle));
  }
  if (filter.bbox) {
    const { minLat, minLon, maxLat, maxLon } = filter.bbox;
    const inLon = minLon <= maxLon ? (lon: number) => lon >= minLon && lon <= maxLon : (lon: number) => lon >= minLon || lon <= maxLon;
    tests.push((d) => d.lat !== null && d.lon !== null && d.lat >= minLat && d.lat <= maxLat && inLon(d.lon));
  }
  if (filter.near) {
    const { lat, lon, radiusKm } = filter.near;
    tests.push((d) => d.lat !== null && d.lon !== null && distanceKm(lat, lon, d.lat, d.lon) <= radiusKm);
  }
  if (filter.models) {
    const models = new Set(filter.models);
    tests.push((d) => models.has(d.model));
  }
  if (filter.applications) {
    const apps = filter.applications;
    tests.push((d) => d.application !== null && apps.some((a) => d.application === a || d.application!.startsWith(`${a}.`)));
  }
  if (filter.status) {
    const wanted = new Set(filter.status);
    tests.push((d) => {
      if (wanted.has(status?.statusOf(d.id) ?? 'unknown')) return true;
      return wanted.has('alarm') && status?.hasActiveAlarm?.(d.id) === true;
    });
  }
  if (filter.enabled !== undefined) {
    const enabled = filter.enabled;
    tests.push((d) => d.enabled === enabled);
  }
  const include = new Set(filter.include ?? []);
  const exclude = new Set(filter.exclude ?? []);
  // With no criteria the group is the include list alone (validation makes sure there is one).
  const criteria = tests.length > 0;
  return (d) => !exclude.has(d.id) && (include.has(d.id) || (criteria && tests.every((t) => t(d))));
}

interface GroupRow {
  id: string;
  name: string;
  description: string;
  filter: string;
  created_at: number;
  updated_at: number;
}

const toGroup = (r: GroupRow): SmartGroup => ({ id: r.id, name: r.name, description: r.description, filter: JSON.parse(r.filter), createdAt: r.created_at, updatedAt: r.updated_at });

export class SmartGroupService {
  private readonly store: ConfigStore;
  private readonly registry: DeviceRegistry;
  private readonly now: () => number;
  private status: DeviceStatusSource | undefined;

  constructor(store: ConfigStore, registry: DeviceRegistry, options: { status?: DeviceStatusSource; now?: () => number } = {}) {
    this.store = store;
    this.registry = registry;
    this.status = options.status;
    this.now = options.now ?? Date.now;
  }

  /** The poller and alarm engine start after the groups; they plug their status in here. */
  setStatusSource(status: DeviceStatusSource | undefined): void {
    this.status = status;
  }

  list(): SmartGroup[] {
    return (this.store.db.prepare('SELECT * FROM smart_groups ORDER BY name COLLATE NOCASE, id').all() as unknown as GroupRow[]).map(toGroup);
  }

  get(id: string): SmartGroup | null {
    const row = this.store.db.prepare('SELECT * FROM smart_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  exists(id: string): boolean {
    return this.store.db.prepare('SELECT 1 FROM smart_groups WHERE id = ?').get(id) !== undefined;
  }

  require(id: string): SmartGroup {
    const group = this.get(id);
    if (!group) throw new SmartGroupError('group_not_found', `no smart group "${id}"`);
    return group;
  }

  private build(input: unknown, base: SmartGroup | null): SmartGroup {
    if (!isObject(input)) throw new SmartGroupError('invalid_group', 'invalid smart group', [{ field: '', message: 'a smart group must be an object' }]);
    const problems: FieldProblem[] = [];
    for (const key of Object.keys(input)) if (!['id', 'name', 'description', 'filter'].includes(key)) problems.push({ field: key, message: 'unknown field' });
    if (base && input.id !== undefined && input.id !== base.id) problems.push({ field: 'id', message: 'cannot be changed' });
    const name = input.name !== undefined ? input.name : base?.name;
    const id = base?.id ?? (input.id !== undefined ? input.id : typeof name === 'string' ? uniqueSlug(name, (g) => this.exists(g), 'group') : '');
    const description = input.description !== undefined ? input.description : base?.description ?? '';
    const filter = input.filter !== undefined ? input.filter : base?.filter;
    if (typeof id !== 'string' || !DEVICE_ID.test(id)) problems.push({ field: 'id', message: '1..64 characters a-z 0-9 -' });
    if (typeof name !== 'string' || !name.trim()) problems.push({ field: 'name', message: 'required' });
    else if (name.length > MAX_NAME_LENGTH) problems.push({ field: 'name', message: `at most ${MAX_NAME_LENGTH} characters` });
    if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) problems.push({ field: 'description', message: `text of at most ${MAX_DESCRIPTION} characters` });
    problems.push(...filterProblems(filter, (deviceId) => this.registry.exists(deviceId)));
    if (problems.length) throw new SmartGroupError('invalid_group', 'invalid smart group', problems);
    const now = this.now();
    return { id: id as string, name: (name as string).trim(), description: description as string, filter: filter as SmartGroupFilter, createdAt: base?.createdAt ?? now, updatedAt: now };
  }

  create(input: SmartGroupInput | unknown): SmartGroup {
    const group = this.build(input, null);
    if (this.exists(group.id)) throw new SmartGroupError('group_exists', `a smart group "${group.id}" exists already`, [{ field: 'id', message: 'taken' }]);
    this.store.db
      .prepare('INSERT INTO smart_groups (id, name, description, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(group.id, group.name, group.description, JSON.stringify(group.filter), group.createdAt, group.updatedAt);
    return group;
  }

  /** Partial update; a given filter replaces the stored one whole. */
  update(id: string, patch: SmartGroupInput | unknown): SmartGroup {
    const group = this.build(patch, this.require(id));
    this.store.db
      .prepare('UPDATE smart_groups SET name = ?, description = ?, filter = ?, updated_at = ? WHERE id = ?')
      .run(group.name, group.description, JSON.stringify(group.filter), group.updatedAt, id);
    return group;
  }

  delete(id: string): SmartGroup {
    const group = this.require(id);
    this.store.db.prepare('DELETE FROM smart_groups WHERE id = ?').run(id);
    return group;
  }

  /** Devices matching a filter that is not saved (for previews while a user edits a group). */
  preview(filter: SmartGroupFilter | unknown): Device[] {
    const problems = filterProblems(filter, (id) => this.registry.exists(id));
    if (problems.length) throw new SmartGroupError('invalid_group', 'invalid smart group filter', problems);
    const test = compileFilter(filter as SmartGroupFilter, this.status);
    return this.registry.all().filter(test);
  }

  /** The group's members now, by device name. */
  members(groupId: string): Device[] {
    const test = compileFilter(this.require(groupId).filter, this.status);
    return this.registry.all().filter(test);
  }

  /** The groups a device belongs to now (for alarm routing and the device page). */
  groupsOf(device: Device): SmartGroup[] {
    return this.list().filter((g) => compileFilter(g.filter, this.status)(device));
  }
}
