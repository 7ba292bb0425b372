// What the historian-query node (and later the HTTP API) accepts as msg.payload, dispatched to the
// historian. Kept here so the node stays a thin adapter.
import type { Sample } from '../readings.ts';
import type { AlarmEvent, AlarmEventQuery, AuditEntry, AuditQuery, ConsumptionQuery, ConsumptionResult, Historian, RangeQuery, SeriesResult } from './historian.ts';
import { HistorianQueryError } from './query-checks.ts';

export type HistorianRequest =
  | ({ type?: 'range' } & RangeQuery)
  | { type: 'latest'; devices?: string[]; points?: string[] }
  | ({ type: 'consumption' } & ConsumptionQuery)
  | ({ type: 'alarms' } & AlarmEventQuery)
  | ({ type: 'audit' } & AuditQuery);

export type HistorianResponse = SeriesResult[] | Sample[] | ConsumptionResult[] | AlarmEvent[] | AuditEntry[];

/** Accepts epoch ms or ISO 8601 strings for from/to (flows often carry ISO). */
function time(v: unknown): unknown {
  return typeof v === 'string' && v.trim() !== '' && !/^\d+$/.test(v) ? Date.parse(v) : typeof v === 'string' ? Number(v) : v;
}

export async function runHistorianRequest(historian: Historian, payload: unknown): Promise<HistorianResponse> {
  if (!payload || typeof payload !== 'object') throw new HistorianQueryError('msg.payload must be a query object');
  const req = { ...(payload as Record<string, unknown>) };
  if ('from' in req) req.from = time(req.from);
  if ('to' in req) req.to = time(req.to);
  const type = (req.type as string | undefined) ?? 'range';
  switch (type) {
    case 'range':
      return historian.queryRange(req as unknown as RangeQuery);
    case 'latest':
      return historian.latest(req.devices as string[] | undefined, req.points as string[] | undefined);
    case 'consumption':
      return historian.consumption(req as unknown as ConsumptionQuery);
    case 'alarms':
      return historian.queryAlarmEvents(req as unknown as AlarmEventQuery);
    case 'audit':
      return historian.queryAudit(req as unknown as AuditQuery);
    default:
      throw new HistorianQueryError(`unknown query type "${type}" (range, latest, consumption, alarms, audit)`);
  }
}
