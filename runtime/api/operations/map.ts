// Map pins: one compact answer for the whole fleet's map (10,000 devices in one response), instead of paging
// through /devices. Devices without a position are left out.
//
// status: offline when the fleet has lost the device (whatever its alarms say: its values are stale), alarm
// when it has at least one active alarm (active-unacknowledged or active-acknowledged; shelved, suppressed and
// out-of-service alarms do not count), ok when online without one, unknown when not polled yet.
// priority: the highest priority among its active alarms (also for offline devices), else null.
import { Type } from '@sinclair/typebox';
import { PRIORITY_RANK, type Priority } from '../../alarms/types.ts';
import type { HeatgridServices } from '../../services.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { list } from '../views.ts';

const ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const PAGE = 10_000;
/** 6 decimals ≈ 0.1 m: enough for a pin, and a shorter answer. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Device id → highest priority among its active alarms. */
export function activeAlarmPriorities(services: Pick<HeatgridServices, 'alarms'>): Map<string, Priority> {
  const worst = new Map<string, Priority>();
  const states = ['active-unacknowledged', 'active-acknowledged'] as const;
  for (let offset = 0; ; offset += PAGE) {
    const { items, total } = services.alarms.list({ states: [...states], limit: PAGE, offset });
    for (const a of items) {
      if (!(states as readonly string[]).includes(a.displayState)) continue; // a shelved alarm also matches its lifecycle state
      const before = worst.get(a.device);
      if (!before || PRIORITY_RANK[a.priority] > PRIORITY_RANK[before]) worst.set(a.device, a.priority);
    }
    if (offset + PAGE >= total) return worst;
  }
}

type Positioned = { id: string; name: string; lat: number | null; lon: number | null };

/** id, name and position of every device (or of `ids`) that has one, by id. */
function positioned(services: Pick<HeatgridServices, 'registry'>, ids: string[] | null): Positioned[] {
  const wanted = ids === null ? null : new Set(ids);
  return services.registry
    .all()
    .filter((d) => d.lat !== null && d.lon !== null && (wanted === null || wanted.has(d.id)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const mapOperations: ApiOperation[] = [
  defineOperation({
    id: 'map.pins',
    method: 'GET',
    path: `${API_BASE}/map/pins`,
    tag: 'map',
    summary: 'Map pins of the fleet or a selection: id, name, position, status (ok, alarm, offline, unknown) and highest active alarm priority',
    description:
      'Devices without lat/lon are left out. status: offline when the fleet has lost the device, alarm with at least one active alarm (shelved, suppressed, ' +
      'out-of-service alarms do not count), ok when online, unknown when not polled yet; priority: the highest active alarm priority or null.',
    scope: 'read',
    query: Type.Object(
      {
        group: Type.Optional(S.Id),
        devices: Type.Optional(Type.String({ maxLength: 700_000, description: 'comma-separated device ids' })),
      },
      { additionalProperties: false },
    ),
    response: S.MapPins,
    errors: [404],
    handler: ({ services, query }) => {
      if (query.group !== undefined && query.devices !== undefined) throw new ApiError(400, 'invalid_selection', 'give devices= or group=, not both', [{ field: 'devices|group', message: 'at most one' }]);
      let devices: Positioned[];
      if (query.group !== undefined) devices = services.groups.members(services.groups.require(query.group).id);
      else if (query.devices !== undefined) {
        const ids = list(query.devices);
        const bad = ids.filter((i) => !ID.test(i));
        if (!ids.length || bad.length) throw new ApiError(400, 'invalid_request', 'devices: comma-separated device ids', (bad.length ? bad : ['']).slice(0, 10).map((b) => ({ field: 'query.devices', message: `"${b.slice(0, 64)}" is not a device id` })));
        // Unknown ids are left out like devices without a position: the map shows what exists.
        devices = positioned(services, ids);
      } else devices = positioned(services, null);
      const priorities = activeAlarmPriorities(services);
      const statuses = services.fleet.statuses;
      const pins = [];
      for (const d of devices) {
        if (d.lat === null || d.lon === null) continue;
        const state = statuses.statusOf(d.id);
        const priority = priorities.get(d.id) ?? null;
        pins.push({ id: d.id, name: d.name, lat: round6(d.lat), lon: round6(d.lon), status: state === 'offline' ? 'offline' as const : priority ? 'alarm' as const : state === 'online' ? 'ok' as const : 'unknown' as const, priority });
      }
      return { body: { pins } };
    },
  }),
];
