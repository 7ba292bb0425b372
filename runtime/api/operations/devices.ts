// Devices: list (filters, paging, sort, smart-group filter), get, create, update, delete, CSV import, and
// "detect application" (asks the controller over the shared link which ECL application it runs).
import { Type } from '@sinclair/typebox';
import { importDevicesCsv } from '../../devices/csv-import.ts';
import { MAX_PAGE_SIZE, type DeviceListQuery } from '../../devices/registry.ts';
import type { Device as DomainDevice } from '../../devices/device.ts';
import { detectEclApplication, isEclModel } from '../../fleet/application-detector.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { deviceView } from '../views.ts';

const IdParams = Type.Object({ id: S.Id }, { additionalProperties: false });
const SORTS = ['name', 'id', 'model', 'application', 'address', 'createdAt', 'updatedAt'] as const;

const ListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive text in name, address or id' })),
    tag: Type.Optional(Type.String({ maxLength: 48 })),
    model: Type.Optional(Type.String({ maxLength: 64 })),
    application: Type.Optional(Type.String({ maxLength: 32, description: '"A266" matches A266 and every A266.x' })),
    enabled: Type.Optional(Type.Boolean()),
    group: Type.Optional(S.Id),
    sort: Type.Optional(Type.Union(SORTS.map((s) => Type.Literal(s)))),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

/** Filters within a smart group run in memory over its members (≤ 10,000 devices per runtime). */
function listInGroup(members: DomainDevice[], q: DeviceListQuery): { items: DomainDevice[]; total: number } {
  const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase('und');
  const needle = q.search ? fold(q.search.trim()) : '';
  const app = q.application;
  const matching = members.filter(
    (d) =>
      (!needle || fold(d.name).includes(needle) || fold(d.address).includes(needle) || d.id.includes(needle)) &&
      (!q.tag || d.tags.includes(q.tag.toLowerCase())) &&
      (!q.model || d.model === q.model) &&
      (!app || d.application === app || (d.application ?? '').startsWith(`${app}.`)) &&
      (q.enabled === undefined || d.enabled === q.enabled),
  );
  const key = q.sort ?? 'name';
  const sign = q.order === 'desc' ? -1 : 1;
  const value = (d: DomainDevice) => {
    const v = d[key];
    return typeof v === 'string' ? fold(v) : (v ?? '');
  };
  matching.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * sign;
  });
  const offset = q.offset ?? 0;
  return { items: matching.slice(offset, offset + (q.limit ?? 100)), total: matching.length };
}

export const deviceOperations: ApiOperation[] = [
  defineOperation({
    id: 'devices.list',
    method: 'GET',
    path: `${API_BASE}/devices`,
    tag: 'devices',
    summary: 'List devices with filters, paging and sort',
    description: 'Filters combine with AND. `group` restricts the list to a smart group\'s current members.',
    scope: 'read',
    query: ListQuery,
    response: S.DevicePage,
    errors: [404],
    handler: ({ services, query }) => {
      const q: DeviceListQuery = { ...query, limit: query.limit ?? 100, offset: query.offset ?? 0 };
      const { group, ...filters } = query;
      const page = group ? listInGroup(services.groups.members(services.groups.require(group).id), filters) : services.registry.list(q);
      return { body: { items: page.items.map((d) => deviceView(d, services)), total: page.total, limit: q.limit!, offset: q.offset! } };
    },
  }),
  defineOperation({
    id: 'devices.get',
    method: 'GET',
    path: `${API_BASE}/devices/:id`,
    tag: 'devices',
    summary: 'One device, with its online status',
    scope: 'read',
    params: IdParams,
    response: S.Device,
    errors: [404],
    handler: ({ services, params }) => ({ body: deviceView(services.registry.require(params.id), services) }),
  }),
  defineOperation({
    id: 'devices.create',
    method: 'POST',
    path: `${API_BASE}/devices`,
    tag: 'devices',
    summary: 'Register a device',
    description: 'The id is derived from the name when not given. The device is polled by the shipped flow without a restart.',
    scope: 'manage:devices',
    body: S.DeviceCreate,
    status: 201,
    response: S.Device,
    errors: [409, 413, 415, 422],
    handler: ({ services, body, audit }) => {
      const device = services.registry.create(body);
      audit({ action: 'device.create', device: device.id, newValue: device.name });
      return { status: 201, body: deviceView(device, services), headers: { Location: `${API_BASE}/devices/${device.id}` } };
    },
  }),
  defineOperation({
    id: 'devices.update',
    method: 'PATCH',
    path: `${API_BASE}/devices/:id`,
    tag: 'devices',
    summary: 'Change fields of a device',
    description: 'Fields not given keep their value; `connection` may be partial. The merged device is validated whole.',
    scope: 'manage:devices',
    params: IdParams,
    body: S.DevicePatch,
    response: S.Device,
    errors: [404, 413, 415, 422],
    handler: ({ services, params, body, audit }) => {
      const before = services.registry.require(params.id);
      const { device, changed } = services.registry.change(params.id, body);
      if (changed) {
        const fields = Object.keys(body).filter((k) => JSON.stringify((before as unknown as Record<string, unknown>)[k]) !== JSON.stringify((device as unknown as Record<string, unknown>)[k]));
        audit({ action: 'device.update', device: device.id, detail: `changed: ${fields.join(', ') || 'nothing visible'}` });
      }
      return { body: deviceView(device, services) };
    },
  }),
  defineOperation({
    id: 'devices.delete',
    method: 'DELETE',
    path: `${API_BASE}/devices/:id`,
    tag: 'devices',
    summary: 'Remove a device (its stored readings stay in the historian)',
    scope: 'manage:devices',
    params: IdParams,
    response: S.Device,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const device = services.registry.delete(params.id);
      audit({ action: 'device.delete', device: device.id, oldValue: device.name });
      return { body: deviceView(device, services) };
    },
  }),
  defineOperation({
    id: 'devices.import',
    method: 'POST',
    path: `${API_BASE}/devices/import`,
    tag: 'devices',
    summary: 'Import devices from CSV (text/csv body)',
    description:
      'Columns: id, name, model, application, host, port, unit_id, address, lat, lon, tags (a|b), enabled, template_id; `name` and `host` are required. Comma, semicolon or tab separated; decimal comma accepted. Every row gets a result.',
    scope: 'manage:devices',
    query: Type.Object(
      { dryRun: Type.Optional(Type.Boolean({ default: false })), upsert: Type.Optional(Type.Boolean({ default: false })), allOrNothing: Type.Optional(Type.Boolean({ default: false })) },
      { additionalProperties: false },
    ),
    body: Type.String({ maxLength: 5_000_000, description: 'the CSV file' }),
    bodyType: 'text/csv',
    response: S.CsvImportResult,
    errors: [413, 415, 422],
    handler: ({ services, query, body, audit }) => {
      const result = importDevicesCsv(services.registry, body, { dryRun: !!query.dryRun, upsert: !!query.upsert, allOrNothing: !!query.allOrNothing });
      if (result.committed && result.created + result.updated > 0) audit({ action: 'device.import', detail: `created ${result.created}, updated ${result.updated}, failed ${result.failed}` });
      return { body: result };
    },
  }),
  defineOperation({
    id: 'devices.detectApplication',
    method: 'POST',
    path: `${API_BASE}/devices/:id/detect-application`,
    tag: 'devices',
    summary: 'Ask an ECL Comfort controller which application it runs, and record it',
    scope: 'manage:devices',
    params: IdParams,
    response: S.DetectedApplication,
    errors: [404, 422, 503],
    handler: async ({ services, params, audit }) => {
      const device = services.registry.require(params.id);
      if (device.connection.kind !== 'modbus-tcp' || !isEclModel(device.model)) {
        throw new ApiError(422, 'not_supported', 'application detection needs an ECL Comfort controller on Modbus/TCP', [{ field: 'model', message: device.model }]);
      }
      const { host, port, unitId } = device.connection;
      const maxRegisters = services.templates.templateFor(device).template?.maxRegistersPerRead ?? 123;
      const { link } = services.fleet.links.get({ host, port, unitId }, maxRegisters);
      let detected;
      try {
        detected = await Promise.race([
          detectEclApplication(link),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
        ]);
      } catch (err) {
        throw new ApiError(503, 'device_unreachable', `the controller did not answer: ${(err as Error).message}`);
      }
      const application = detected?.key ?? null;
      const changed = application !== null && application !== device.application;
      if (changed) {
        services.registry.setApplication(device.id, application);
        audit({ action: 'device.detect-application', device: device.id, oldValue: device.application, newValue: application });
      }
      return { body: { device: device.id, application, version: detected?.version ?? null, changed } };
    },
  }),
];
