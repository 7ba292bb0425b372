// The device table's rows and their order: one row per device, one cell per point (latest value).
// GET /api/v1/devices sorts by device fields on the server; the API cannot sort devices by a reading, so a
// point column is sorted here over the whole selection (values of that one point, nulls last either way).
import type { Device, LatestItem } from '../api/types.ts';

export const DEVICE_SORTS = ['name', 'id', 'address', 'application'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];
export interface TableRow { id: string; name: string; address: string; application: string | null; status: string; values: Record<string, number | null> }

export function isDeviceSort(key: string): key is DeviceSort {
  return (DEVICE_SORTS as readonly string[]).includes(key);
}

export function rowsOf(devices: Device[], latest: LatestItem[]): TableRow[] {
  const byDevice = new Map<string, Record<string, number | null>>();
  for (const l of latest) {
    let v = byDevice.get(l.device);
    if (!v) byDevice.set(l.device, (v = {}));
    v[l.point] = l.value;
  }
  return devices.map((d) => ({ id: d.id, name: d.name, address: d.address, application: d.application, status: d.status.state, values: byDevice.get(d.id) ?? {} }));
}

/** Device ids ordered by one point's value; devices without a value come last in both orders, then by name. */
export function orderByPoint(devices: { id: string; name: string }[], values: Map<string, number | null>, order: 'asc' | 'desc'): string[] {
  const dir = order === 'asc' ? 1 : -1;
  return [...devices]
    .sort((a, b) => {
      const va = values.get(a.id);
      const vb = values.get(b.id);
      const na = va === null || va === undefined;
      const nb = vb === null || vb === undefined;
      if (na !== nb) return na ? 1 : -1;
      if (!na && !nb && va !== vb) return (va! - vb!) * dir;
      return a.name.localeCompare(b.name);
    })
    .map((d) => d.id);
}
