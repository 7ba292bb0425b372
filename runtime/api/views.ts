// Domain objects → API bodies (epoch ms → ISO 8601), and the few request helpers several operations share.
import type { Device as DomainDevice, DeviceSelection } from '../devices/device.ts';
import type { SmartGroup } from '../devices/smart-groups.ts';
import type { ApiToken as DomainToken } from '../auth/api-tokens.ts';
import type { HeatgridServices } from '../services.ts';
import { ApiError } from './operation.ts';
import type * as S from './schemas.ts';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

/** Parses an ISO 8601 time the schema accepted (with offset); the field name goes into the error. */
export function epochOf(text: string, field: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new ApiError(400, 'invalid_request', `${field} is not a date-time`, [{ field, message: 'ISO 8601 with offset, e.g. 2026-03-01T00:00:00+01:00' }]);
  return ms;
}

export function deviceView(d: DomainDevice, services: Pick<HeatgridServices, 'fleet'>): S.Device {
  const status = services.fleet.statuses.get(d.id);
  return {
    id: d.id,
    name: d.name,
    model: d.model,
    application: d.application,
    templateId: d.templateId,
    connection: d.connection,
    address: d.address,
    lat: d.lat,
    lon: d.lon,
    tags: d.tags,
    meters: d.meters,
    enabled: d.enabled,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    status: {
      state: status?.state ?? 'unknown',
      since: isoOrNull(status?.since),
      lastSuccess: isoOrNull(status?.lastSuccess),
      lastError: status?.lastError ?? null,
    },
  };
}

export function groupView(g: SmartGroup, services: Pick<HeatgridServices, 'groups'>): S.Group {
  return { id: g.id, name: g.name, description: g.description, filter: g.filter, memberCount: services.groups.members(g.id).length, createdAt: iso(g.createdAt), updatedAt: iso(g.updatedAt) };
}

export function tokenView(t: DomainToken): S.ApiToken & Record<string, unknown> {
  return { ...t, createdAt: iso(t.createdAt), expiresAt: isoOrNull(t.expiresAt), revokedAt: isoOrNull(t.revokedAt), lastUsedAt: isoOrNull(t.lastUsedAt) };
}

/** Comma-separated names (`points=a,b`), trimmed, de-duplicated. */
export function list(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** The `devices=a,b` | `group=g` | `all=true` selection of a query string (exactly one). */
export function selectionFromQuery(q: { devices?: string; group?: string; all?: boolean }): DeviceSelection {
  const given = [q.devices !== undefined, q.group !== undefined, q.all === true].filter(Boolean).length;
  if (given !== 1) throw new ApiError(400, 'invalid_selection', 'give exactly one of devices=a,b  group=<id>  all=true', [{ field: 'devices|group|all', message: 'exactly one' }]);
  if (q.group !== undefined) return { group: q.group };
  if (q.all === true) return { all: true };
  const ids = list(q.devices);
  if (ids.length === 0) throw new ApiError(400, 'invalid_selection', 'devices= names no device', [{ field: 'devices', message: 'a comma-separated list of device ids' }]);
  return { devices: ids };
}

/** Quotes a CSV cell when it needs it (RFC 4180), and defuses spreadsheet formulas in text cells. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? String(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csv(header: string[], rows: unknown[][]): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}
