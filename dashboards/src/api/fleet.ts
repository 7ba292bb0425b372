// Loads that several screens share: every device (paged through the list operation), groups, active alarms.
import { api, ApiError, optional } from './client.ts';
import type { Alarm, Device, Group, Page } from './types.ts';
import { pinStatus, worstStatus, type PinStatus } from '../lib/status.ts';
import type { Pin } from '../lib/clusters.ts';

const PAGE = 1000;

export async function allDevices(group?: string | null): Promise<Device[]> {
  const query = { limit: PAGE, offset: 0, sort: 'id', ...(group ? { group } : {}) };
  const first = await api.get<Page<Device>>('/api/v1/devices', query);
  const rest = [];
  for (let offset = PAGE; offset < first.total; offset += PAGE) rest.push(api.get<Page<Device>>('/api/v1/devices', { ...query, offset }));
  return [first, ...(await Promise.all(rest))].flatMap((p) => p.items);
}

export async function groups(): Promise<Group[]> {
  return (await api.get<{ items: Group[] }>('/api/v1/groups')).items;
}

/** Alarms that are not normal (GET /api/v1/alarms: devices=a,b | group=g, state=...), or null when the server has no alarms API. */
export async function activeAlarms(query: { devices?: string; group?: string; state?: string } = {}): Promise<Alarm[] | null> {
  try {
    return (await api.get<{ items: Alarm[] }>('/api/v1/alarms', { limit: 1000, ...query })).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function pinsOf(devices: Device[], alarms: Alarm[] | null): Pin[] {
  const worst = new Map<string, PinStatus>();
  for (const a of alarms ?? []) {
    const s = pinStatus('online', a.priority);
    worst.set(a.device, worst.has(a.device) ? worstStatus(worst.get(a.device)!, s) : s);
  }
  return devices
    .filter((d) => d.lat !== null && d.lon !== null)
    .map((d) => ({ id: d.id, name: d.name, lat: d.lat!, lon: d.lon!, status: worst.get(d.id) ?? pinStatus(d.status.state, null) }));
}

interface MapPin { id: string; name: string; lat: number; lon: number; status: 'ok' | 'alarm' | 'offline' | 'unknown'; priority: string | null }

/** The map's pins in one request (GET /api/v1/map/pins[?group]), or null when the server does not offer it yet. */
export async function mapPins(group?: string | null): Promise<Pin[] | null> {
  const res = await optional(api.get<{ pins: MapPin[] }>('/api/v1/map/pins', group ? { group } : undefined));
  if (!res) return null;
  return res.pins.map((p) => ({ id: p.id, name: p.name, lat: p.lat, lon: p.lon, status: p.status === 'alarm' ? pinStatus('online', p.priority ?? 'low') : pinStatus(p.status === 'ok' ? 'online' : p.status, null) }));
}
