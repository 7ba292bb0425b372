// The device registry: every controller the runtime knows, persisted in the config store. The poller,
// smart groups, alarms, reports and the API read devices here; changes are announced to subscribers so
// a device added through the API is polled without a restart.
import type { StatementSync } from 'node:sqlite';
import type { ConfigStore, SqlValue } from '../store/config-store.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Device } from './device.ts';
import { buildDevice, DeviceError, uniqueSlug, type DeviceInput, type FieldProblem } from './validation.ts';

export { DeviceError, type DeviceInput, type FieldProblem } from './validation.ts';

export type DeviceSort = 'name' | 'id' | 'model' | 'application' | 'address' | 'createdAt' | 'updatedAt';

export interface DeviceListQuery {
  /** Case-insensitive text found in the name, address or id. */
  search?: string;
  tag?: string;
  model?: string;
  /** "A266" matches A266 and every A266.x; "A266.1" matches only itself. */
  application?: string;
  enabled?: boolean;
  sort?: DeviceSort;
  order?: 'asc' | 'desc';
  /** 1..1000, default 100. */
  limit?: number;
  offset?: number;
}

export interface DevicePage {
  items: Device[];
  /** Devices matching the filters, regardless of paging. */
  total: number;
  limit: number;
  offset: number;
}

export type DeviceChange =
  | { type: 'created'; device: Device }
  | { type: 'updated'; device: Device; previous: Device }
  | { type: 'deleted'; device: Device };

export type DeviceListener = (change: DeviceChange) => void;

export interface DeviceRegistryOptions {
  now?: () => number;
  /** Lets the registry refuse a templateId that names no template (the template store answers). */
  templateExists?: (id: string) => boolean;
  logger?: Logger;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const SORT_COLUMNS: Record<DeviceSort, string> = {
  name: 'name COLLATE NOCASE',
  id: 'id',
  model: 'model',
  application: 'application',
  address: 'address COLLATE NOCASE',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

interface DeviceRow {
  id: string;
  name: string;
  model: string;
  application: string | null;
  template_id: string | null;
  connection: string;
  address: string;
  lat: number | null;
  lon: number | null;
  tags: string;
  meters: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    name: row.name,
    model: row.model,
    application: row.application,
    templateId: row.template_id,
    connection: JSON.parse(row.connection),
    address: row.address,
    lat: row.lat,
    lon: row.lon,
    tags: JSON.parse(row.tags),
    meters: JSON.parse(row.meters),
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toParams(d: Device): SqlValue[] {
  return [d.name, d.model, d.application, d.templateId, JSON.stringify(d.connection), d.address, d.lat, d.lon, JSON.stringify(d.tags), JSON.stringify(d.meters), d.enabled ? 1 : 0, d.createdAt, d.updatedAt, d.id];
}

/** Unicode-aware lower-casing for search ("Öster" finds "ÖSTERGATAN"); SQLite's lower() is ASCII only. */
const FOLD_FUNCTION = 'heatgrid_fold';
const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase('und');

export class DeviceRegistry {
  private readonly store: ConfigStore;
  private readonly now: () => number;
  private readonly templateExists: ((id: string) => boolean) | undefined;
  private readonly log: Logger;
  private readonly listeners = new Set<DeviceListener>();
  private readonly statements = new Map<string, StatementSync>();
  /** Changes made inside a batch are announced only once it commits (and dropped if it rolls back). */
  private pending: DeviceChange[] = [];
  /**
   * `all()` is asked for on every poll cycle of every poll loop and by every smart-group evaluation; reading
   * and parsing 10,000 rows takes ~100 ms, so it is cached until a write here or a commit by another
   * connection (the CLI), which moves SQLite's data_version.
   */
  private allCache: { devices: Device[]; dataVersion: number } | null = null;
  private batchDepth = 0;

  constructor(store: ConfigStore, options: DeviceRegistryOptions = {}) {
    this.store = store;
    this.now = options.now ?? Date.now;
    this.templateExists = options.templateExists;
    this.log = options.logger ?? createLogger('devices');
    store.db.function(FOLD_FUNCTION, { deterministic: true }, (s: unknown) => (typeof s === 'string' ? fold(s) : s) as SqlValue);
  }

  private sql(text: string): StatementSync {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.store.db.prepare(text)));
    return stmt;
  }

  /** Listens to created/updated/deleted devices; returns the function that stops listening. */
  subscribe(listener: DeviceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dataVersion(): number {
    return Number((this.sql('PRAGMA data_version').get() as { data_version: number }).data_version);
  }

  private announce(change: DeviceChange): void {
    this.allCache = null;
    if (this.batchDepth > 0) this.pending.push(change);
    else this.deliver([change]);
  }

  private deliver(changes: DeviceChange[]): void {
    for (const change of changes)
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (err) {
          // The change is committed; a failing listener must not make the caller believe otherwise.
          this.log.warn(`device ${change.type} listener failed for ${change.device.id}: ${(err as Error).message}`);
        }
      }
  }

  /**
   * Runs `work` in one transaction: every write inside commits together or not at all, and listeners
   * hear about the changes after the commit. Nested batches join the outer one.
   */
  batch<T>(work: () => T): T {
    if (this.batchDepth > 0) return work();
    this.batchDepth++;
    let result: T;
    try {
      result = this.store.transaction(work);
    } catch (err) {
      this.pending = [];
      this.allCache = null; // it may have been filled with rows the rollback undid
      throw err;
    } finally {
      this.batchDepth--;
    }
    const changes = this.pending;
    this.pending = [];
    this.deliver(changes);
    return result;
  }

  exists(id: string): boolean {
    return this.sql('SELECT 1 FROM devices WHERE id = ?').get(id) !== undefined;
  }

  get(id: string): Device | null {
    const row = this.sql('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
    return row ? toDevice(row) : null;
  }

  /** Like get, but a missing device is a `device_not_found` error. */
  require(id: string): Device {
    const device = this.get(id);
    if (!device) throw new DeviceError('device_not_found', `no device "${id}"`);
    return device;
  }

  /** Every device, by name then id. For evaluating smart groups and selections. */
  all(): Device[] {
    const dataVersion = this.dataVersion();
    if (this.allCache?.dataVersion !== dataVersion) {
      // Frozen: the same objects go to every caller until the next change.
      const devices = (this.sql('SELECT * FROM devices ORDER BY name COLLATE NOCASE, id').all() as unknown as DeviceRow[]).map((row) => Object.freeze(toDevice(row)));
      this.allCache = { devices, dataVersion };
    }
    return [...this.allCache.devices];
  }

  /** Devices by id, in one query; ids that do not exist are left out. */
  getMany(ids: readonly string[]): Map<string, Device> {
    const found = new Map<string, Device>();
    if (!ids.length) return found;
    const rows = this.sql('SELECT d.* FROM devices d JOIN json_each(?) j ON j.value = d.id').all(JSON.stringify(ids)) as unknown as DeviceRow[];
    for (const row of rows) found.set(row.id, toDevice(row));
    return found;
  }

  private where(query: DeviceListQuery): { clause: string; params: SqlValue[] } {
    const problems: FieldProblem[] = [];
    const conditions: string[] = [];
    const params: SqlValue[] = [];
    const text = (field: keyof DeviceListQuery): string | undefined => {
      const v = query[field];
      if (v === undefined || v === '') return undefined;
      if (typeof v !== 'string' || v.length > 200) problems.push({ field, message: 'a string of at most 200 characters' });
      else return v.trim();
      return undefined;
    };
    const search = text('search');
    if (search) {
      conditions.push(`(instr(${FOLD_FUNCTION}(name), ?) > 0 OR instr(${FOLD_FUNCTION}(address), ?) > 0 OR instr(id, ?) > 0)`);
      const needle = fold(search);
      params.push(needle, needle, needle);
    }
    const tag = text('tag');
    if (tag) {
      conditions.push('EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE value = ?)');
      params.push(tag.toLowerCase());
    }
    const model = text('model');
    if (model) {
      conditions.push('model = ?');
      params.push(model);
    }
    const application = text('application');
    if (application) {
      conditions.push('(application = ? OR substr(application, 1, ?) = ?)');
      params.push(application, application.length + 1, `${application}.`);
    }
    if (query.enabled !== undefined) {
      if (typeof query.enabled !== 'boolean') problems.push({ field: 'enabled', message: 'true or false' });
      else {
        conditions.push('enabled = ?');
        params.push(query.enabled ? 1 : 0);
      }
    }
    if (problems.length) throw new DeviceError('invalid_query', 'invalid device query', problems);
    return { clause: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
  }

  count(query: Omit<DeviceListQuery, 'sort' | 'order' | 'limit' | 'offset'> = {}): number {
    const { clause, params } = this.where(query);
    return Number((this.store.db.prepare(`SELECT count(*) AS n FROM devices ${clause}`).get(...params) as { n: number }).n);
  }

  list(query: DeviceListQuery = {}): DevicePage {
    const problems: FieldProblem[] = [];
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = query.offset ?? 0;
    const sort = query.sort ?? 'name';
    const order = query.order ?? 'asc';
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) problems.push({ field: 'limit', message: `an integer 1..${MAX_PAGE_SIZE}` });
    if (!Number.isInteger(offset) || offset < 0) problems.push({ field: 'offset', message: 'an integer ≥ 0' });
    if (!Object.hasOwn(SORT_COLUMNS, sort)) problems.push({ field: 'sort', message: `one of ${Object.keys(SORT_COLUMNS).join(', ')}` });
    if (order !== 'asc' && order !== 'desc') problems.push({ field: 'order', message: 'asc or desc' });
    if (problems.length) throw new DeviceError('invalid_query', 'invalid device query', problems);
    const { clause, params } = this.where(query);
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    // Sort and direction come from the whitelist above, never from the caller's text.
    const rows = this.store.db
      .prepare(`SELECT * FROM devices ${clause} ORDER BY ${SORT_COLUMNS[sort]} ${direction}, id ${direction} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as unknown as DeviceRow[];
    return { items: rows.map(toDevice), total: this.count(query), limit, offset };
  }

  /** Builds a new device from `input`; the id is slugified from the name when not given. Does not write. */
  prepareCreate(input: DeviceInput | unknown): Device {
    const raw = (typeof input === 'object' && input !== null ? input : {}) as DeviceInput;
    const withId = raw.id === undefined && typeof raw.name === 'string' ? { ...raw, id: uniqueSlug(raw.name, (id) => this.exists(id)) } : input;
    const { device, problems } = buildDevice(withId, null, this.now(), this.templateExists);
    if (problems.length) throw new DeviceError('invalid_device', 'invalid device', problems);
    if (this.exists(device.id)) throw new DeviceError('device_exists', `a device with id "${device.id}" exists already`, [{ field: 'id', message: 'taken' }]);
    return device;
  }

  create(input: DeviceInput | unknown): Device {
    const device = this.prepareCreate(input);
    try {
      this.sql(
        'INSERT INTO devices (name, model, application, template_id, connection, address, lat, lon, tags, meters, enabled, created_at, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(...toParams(device));
    } catch (err) {
      // Another process (the CLI) may have taken the id between our check and the insert.
      if (/UNIQUE constraint failed/.test((err as Error).message)) throw new DeviceError('device_exists', `a device with id "${device.id}" exists already`, [{ field: 'id', message: 'taken' }]);
      throw err;
    }
    this.announce({ type: 'created', device });
    return device;
  }

  createMany(inputs: readonly (DeviceInput | unknown)[]): Device[] {
    return this.batch(() => inputs.map((input) => this.create(input)));
  }

  /** Applies a partial change; the merged device is validated whole (a model change re-checks the unit id). */
  update(id: string, patch: DeviceInput | unknown): Device {
    return this.change(id, patch).device;
  }

  /** Like update, and says whether anything changed: an unchanged device is not written and not announced. */
  change(id: string, patch: DeviceInput | unknown): { device: Device; changed: boolean } {
    const previous = this.require(id);
    const { device, problems } = buildDevice(patch, previous, this.now(), this.templateExists);
    if (problems.length) throw new DeviceError('invalid_device', 'invalid device', problems);
    if (JSON.stringify({ ...device, updatedAt: 0 }) === JSON.stringify({ ...previous, updatedAt: 0 })) return { device: previous, changed: false };
    this.write(device, previous);
    return { device, changed: true };
  }

  private write(device: Device, previous: Device): void {
    this.sql(
      'UPDATE devices SET name = ?, model = ?, application = ?, template_id = ?, connection = ?, address = ?, lat = ?, lon = ?, tags = ?, meters = ?, enabled = ?, created_at = ?, updated_at = ? WHERE id = ?',
    ).run(...toParams(device));
    this.announce({ type: 'updated', device, previous });
  }

  /** Records an auto-detected application key (ECL PNU 2060-2063). Quiet when nothing changed. */
  setApplication(id: string, application: string | null): Device {
    const previous = this.require(id);
    if (previous.application === application) return previous;
    return this.update(id, { application });
  }

  delete(id: string): Device {
    const device = this.require(id);
    this.sql('DELETE FROM devices WHERE id = ?').run(id);
    this.announce({ type: 'deleted', device });
    return device;
  }

  /** Deletes all or nothing: an unknown id fails the whole call. */
  deleteMany(ids: readonly string[]): Device[] {
    return this.batch(() => ids.map((id) => this.delete(id)));
  }
}
