// GET /api/v1/stream: Server-Sent Events of readings, device status and alarm events for a selection.
//   ?devices=a,b | group=g | all=true   &types=readings,status,alarms   &heartbeat=15 (s)
// Each connection gets a bounded queue: when the browser reads slower than events arrive, the oldest
// events are dropped and a `dropped` event says how many, so one slow client never grows memory.
import type { Request, Response } from 'express';
import { hasScope } from '../auth/api-tokens.ts';
import { callerOf } from '../http/auth-middleware.ts';
import type { HeatgridServices } from '../services.ts';
import { apiErrorOf } from './api-errors.ts';
import { apiState, errorResponse } from './dispatch.ts';
import { BoundedQueue, LIVE_EVENT_TYPES, liveBus, type LiveEvent, type LiveEventType } from './live-bus.ts';
import { ApiError } from './operation.ts';
import { iso, list, selectionFromQuery } from './views.ts';

export const STREAM_QUEUE_LIMIT = 1000;
const MAX_STREAMS_PER_CALLER = 20;
const GROUP_REFRESH_MS = 30_000;
const QUERY_KEYS = new Set(['devices', 'group', 'all', 'types', 'heartbeat']);

const openStreams = new Map<string, number>();

function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).json(body);
}

/** Epoch-ms fields of events become ISO 8601, as everywhere in the API. */
function eventData(event: LiveEvent): unknown {
  const data = { ...(event.data as Record<string, unknown>) };
  for (const key of ['ts', 'since', 'lastSuccess']) if (typeof data[key] === 'number') data[key] = iso(data[key] as number);
  return data;
}

export function streamHandler(servicesOf: () => HeatgridServices) {
  return (req: Request, res: Response): void => {
    const services = servicesOf();
    const caller = callerOf(req);
    try {
      if (!caller) throw new ApiError(401, 'unauthenticated', 'Log in or send a bearer token', undefined, { 'WWW-Authenticate': 'Bearer realm="heatgrid"' });
      const wait = apiState(services).limiter.take(caller.key);
      if (wait > 0) throw new ApiError(429, 'rate_limited', 'Too many requests', undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
      if (!hasScope(caller.scopes, 'read')) throw new ApiError(403, 'insufficient_scope', 'the stream needs the "read" scope', [{ required: 'read', granted: [...caller.scopes] }]);
      const q = req.query as Record<string, unknown>;
      const problems = Object.entries(q)
        .filter(([k, v]) => !QUERY_KEYS.has(k) || typeof v !== 'string' || v.length > 100_000)
        .map(([k]) => ({ field: `query.${k.slice(0, 64)}`, message: QUERY_KEYS.has(k) ? 'a single text value' : 'unknown parameter' }));
      if (problems.length) throw new ApiError(400, 'invalid_request', 'invalid stream query', problems);
      const types = q.types === undefined ? [...LIVE_EVENT_TYPES] : list(q.types as string);
      const badTypes = types.filter((t) => !(LIVE_EVENT_TYPES as readonly string[]).includes(t));
      if (!types.length || badTypes.length) throw new ApiError(400, 'invalid_request', `types: comma-separated ${LIVE_EVENT_TYPES.join(', ')}`, [{ field: 'query.types', message: `unknown: ${badTypes.join(', ').slice(0, 200)}` }]);
      const heartbeatS = q.heartbeat === undefined ? 15 : Number(q.heartbeat);
      if (!Number.isInteger(heartbeatS) || heartbeatS < 1 || heartbeatS > 120) throw new ApiError(400, 'invalid_request', 'heartbeat: whole seconds 1..120', [{ field: 'query.heartbeat', message: '1..120' }]);
      if (q.all !== undefined && q.all !== 'true') throw new ApiError(400, 'invalid_request', 'all must be true', [{ field: 'query.all', message: 'true' }]);
      const selection = selectionFromQuery({ devices: q.devices as string | undefined, group: q.group as string | undefined, all: q.all === 'true' });
      const resolve = () => ('all' in selection ? null : new Set(services.selections.resolve(selection).map((d) => d.id)));
      let devices = resolve();
      const open = openStreams.get(caller.key) ?? 0;
      if (open >= MAX_STREAMS_PER_CALLER) throw new ApiError(429, 'too_many_streams', `at most ${MAX_STREAMS_PER_CALLER} open streams per caller`, undefined, { 'Retry-After': '10' });
      openStreams.set(caller.key, open + 1);

      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      req.socket.setNoDelay(true);
      const queue = new BoundedQueue<LiveEvent>(STREAM_QUEUE_LIMIT);
      let waitingForDrain = false;
      let sequence = 0;
      let closed = false;
      const pump = () => {
        if (closed || waitingForDrain) return;
        while (queue.length) {
          const dropped = queue.takeDropped();
          let chunk = dropped ? `event: dropped\ndata: ${JSON.stringify({ count: dropped })}\n\n` : '';
          const event = queue.shift()!;
          chunk += `id: ${++sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(eventData(event))}\n\n`;
          if (!res.write(chunk)) {
            waitingForDrain = true;
            res.once('drain', () => {
              waitingForDrain = false;
              pump();
            });
            return;
          }
        }
      };
      const unsubscribe = liveBus().subscribe({
        get devices() {
          return devices;
        },
        types: new Set(types as LiveEventType[]),
        deliver: (event) => {
          queue.push(event);
          pump();
        },
      });
      res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ devices: devices ? devices.size : 'all', types, heartbeatSeconds: heartbeatS, queueLimit: STREAM_QUEUE_LIMIT })}\n\n`);
      const heartbeat = setInterval(() => {
        if (!waitingForDrain) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
      }, heartbeatS * 1000);
      const refresh = 'group' in selection ? setInterval(() => {
        try {
          devices = resolve();
        } catch {
          // The group was deleted: keep the last members; the client sees no new devices.
        }
      }, GROUP_REFRESH_MS) : null;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        if (refresh) clearInterval(refresh);
        unsubscribe();
        const n = (openStreams.get(caller.key) ?? 1) - 1;
        if (n <= 0) openStreams.delete(caller.key);
        else openStreams.set(caller.key, n);
      };
      req.on('close', close);
      res.on('close', close);
      res.on('error', close);
    } catch (err) {
      const known = apiErrorOf(err) ?? new ApiError(500, 'internal_error', 'the stream could not start');
      const r = errorResponse(known);
      send(res, r.status, r.body, r.headers);
    }
  };
}
