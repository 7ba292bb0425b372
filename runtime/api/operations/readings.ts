// Readings: latest values of a selection; history of one device × points × period with aggregation (JSON
// or CSV); consumption of counters per period. Everything comes from the historian.
import { Type } from '@sinclair/typebox';
import type { Aggregate, Interval } from '../../historian/historian.ts';
import { ApiError, API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { csv, epochOf, iso, list, selectionFromQuery } from '../views.ts';

const POINT = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_POINTS = 50;
const BUCKET_MS: Record<Exclude<Interval, 'raw' | '1mo'>, number> = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
/** A request must stay answerable in one response: at most this many buckets per point. */
const MAX_BUCKETS = 100_000;
const MAX_RAW_PERIOD_MS = 31 * 86_400_000;

const Selection = {
  devices: Type.Optional(Type.String({ maxLength: 100_000, description: 'comma-separated device ids' })),
  group: Type.Optional(S.Id),
  all: Type.Optional(Type.Boolean()),
};
const Points = Type.String({ minLength: 1, maxLength: 3200, description: `comma-separated point keys (at most ${MAX_POINTS}), e.g. supply_temp_c,return_temp_c` });
const Period = { from: S.IsoTime, to: S.IsoTime };
const TimeZone = Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone for day and month buckets; default: the utility time zone' }));

function points(text: string | undefined, required: boolean): string[] | undefined {
  const keys = list(text);
  if (!keys.length) {
    if (required) throw new ApiError(400, 'invalid_request', 'points= is required', [{ field: 'points', message: 'comma-separated point keys' }]);
    return undefined;
  }
  const bad = keys.filter((k) => !POINT.test(k));
  if (bad.length) throw new ApiError(400, 'invalid_request', 'not a point key', bad.slice(0, 10).map((k) => ({ field: 'points', message: `"${k.slice(0, 64)}" is not a point key (a-z 0-9 _)` })));
  if (keys.length > MAX_POINTS) throw new ApiError(400, 'invalid_request', `at most ${MAX_POINTS} points per request`, [{ field: 'points', message: `${keys.length} given` }]);
  return keys;
}

function period(query: { from: string; to: string }, interval: Interval | null): { from: number; to: number } {
  const from = epochOf(query.from, 'from');
  const to = epochOf(query.to, 'to');
  if (from >= to) throw new ApiError(400, 'invalid_request', 'from must be before to', [{ field: 'from', message: 'before to' }]);
  const span = to - from;
  if (interval === 'raw' && span > MAX_RAW_PERIOD_MS) throw new ApiError(422, 'period_too_long', 'raw samples are served for at most 31 days per request; ask 15m or coarser for longer periods', [{ field: 'to', message: 'at most 31 days after from' }]);
  if (interval && interval !== 'raw' && interval !== '1mo' && span / BUCKET_MS[interval] > MAX_BUCKETS) {
    throw new ApiError(422, 'period_too_long', `at most ${MAX_BUCKETS} ${interval} buckets per request; split the period or use a coarser interval`, [{ field: 'to', message: 'too far after from' }]);
  }
  return { from, to };
}

export const readingOperations: ApiOperation[] = [
  defineOperation({
    id: 'readings.latest',
    method: 'GET',
    path: `${API_BASE}/readings/latest`,
    tag: 'readings',
    summary: 'The latest stored value of each point of a selection of devices',
    scope: 'read',
    query: Type.Object({ ...Selection, points: Type.Optional(Points) }, { additionalProperties: false }),
    response: S.LatestReadings,
    errors: [404],
    handler: async ({ services, query }) => {
      const keys = points(query.points, false);
      const devices = services.selections.resolve(selectionFromQuery(query));
      if (!devices.length) return { body: { items: [] } };
      const samples = await services.historian.latest(devices.map((d) => d.id), keys);
      return { body: { items: samples.map((s) => ({ device: s.device, point: s.point, ts: iso(s.ts), value: s.value, quality: s.quality })) } };
    },
  }),
  defineOperation({
    id: 'readings.history',
    method: 'GET',
    path: `${API_BASE}/devices/:id/readings`,
    tag: 'readings',
    summary: 'Readings of one device for points × period, raw or aggregated (JSON or CSV)',
    description:
      'interval raw|15m|1h|1d|1mo; agg avg|min|max|last (not for raw). Aggregated series hold every bucket of [from, to), null where there was no data. ' +
      'CSV (`Accept: text/csv` or `format=csv`): one row per timestamp, one column per point.',
    scope: 'read',
    params: Type.Object({ id: S.Id }, { additionalProperties: false }),
    query: Type.Object(
      {
        points: Points,
        ...Period,
        interval: Type.Optional(S.Interval),
        agg: Type.Optional(S.Aggregate),
        tz: TimeZone,
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
      },
      { additionalProperties: false },
    ),
    response: S.ReadingHistory,
    csv: true,
    errors: [404, 422],
    handler: async ({ services, params, query, wantsCsv }) => {
      const device = services.registry.require(params.id);
      const keys = points(query.points, true)!;
      const interval: Interval = query.interval ?? '15m';
      const agg: Aggregate = query.agg ?? 'avg';
      const { from, to } = period(query, interval);
      const timeZone = query.tz ?? services.config.timeZone;
      const series = await services.historian.queryRange({ devices: [device.id], points: keys, from, to, interval, agg, timeZone });
      const byPoint = new Map(series.map((s) => [s.point, s.rows]));
      if (wantsCsv) {
        const table = new Map<number, (number | null)[]>();
        keys.forEach((key, k) => {
          for (const row of byPoint.get(key) ?? []) {
            let cells = table.get(row.ts);
            if (!cells) table.set(row.ts, (cells = keys.map(() => null)));
            cells[k] = row.value;
          }
        });
        const rows = [...table.entries()].sort((a, b) => a[0] - b[0]).map(([ts, cells]) => [iso(ts), ...cells]);
        const name = `${device.id}_${interval}_${query.from.slice(0, 10)}_${query.to.slice(0, 10)}.csv`;
        return { text: { contentType: 'text/csv; charset=utf-8', content: csv(['ts', ...keys], rows), filename: name } };
      }
      return {
        body: {
          device: device.id,
          from: iso(from),
          to: iso(to),
          interval,
          agg,
          timeZone,
          series: keys.map((point) => ({
            point,
            rows: (byPoint.get(point) ?? []).map((r) => (r.quality === undefined ? { ts: iso(r.ts), value: r.value } : { ts: iso(r.ts), value: r.value, quality: r.quality })),
          })),
        },
      };
    },
  }),
  defineOperation({
    id: 'readings.consumption',
    method: 'GET',
    path: `${API_BASE}/readings/consumption`,
    tag: 'readings',
    summary: 'Consumption (increase of counters such as heat_energy_kwh) per device over a period, optionally per bucket',
    description: 'Counter drops are treated as meter resets; the increase after each still counts.',
    scope: 'read',
    query: Type.Object(
      { ...Selection, points: Type.Optional(Points), ...Period, interval: Type.Optional(Type.Union([Type.Literal('15m'), Type.Literal('1h'), Type.Literal('1d'), Type.Literal('1mo')])), tz: TimeZone },
      { additionalProperties: false },
    ),
    response: S.Consumption,
    errors: [404, 422],
    handler: async ({ services, query }) => {
      const keys = points(query.points, false) ?? ['heat_energy_kwh'];
      const { from, to } = period(query, query.interval ?? null);
      const devices = services.selections.resolve(selectionFromQuery(query));
      const timeZone = query.tz ?? services.config.timeZone;
      const results = devices.length ? await services.historian.consumption({ devices: devices.map((d) => d.id), points: keys, from, to, timeZone, ...(query.interval ? { interval: query.interval } : {}) }) : [];
      return {
        body: {
          from: iso(from),
          to: iso(to),
          interval: query.interval ?? null,
          items: results.map((r) => ({ device: r.device, point: r.point, total: r.total, resets: r.resets, buckets: r.buckets.map((b) => ({ ts: iso(b.ts), value: b.value })) })),
        },
      };
    },
  }),
];
