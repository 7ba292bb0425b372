// Live values: one Server-Sent-Events stream per subscription (/api/v1/stream), with a fallback to polling
// /api/v1/readings/latest every 10 s while the stream is down (or when the server has no stream).
import { api, withQuery } from '../api/client.ts';
import type { LatestItem } from '../api/types.ts';

export interface PollEvent {
  device: string;
  ts: number;
  readings: Record<string, number | boolean | null>;
  quality?: Record<string, string>;
}
export interface StatusEvent {
  device: string;
  state: string;
  ts: number;
}

export interface LiveHandlers {
  readings?(e: PollEvent): void;
  status?(e: StatusEvent): void;
  alarms?(e: Record<string, unknown>): void;
  mode?(mode: 'stream' | 'polling'): void;
}

export const POLL_MS = 10_000;

function deviceOf(data: Record<string, unknown>): string {
  const d = data.device;
  return typeof d === 'string' ? d : d && typeof d === 'object' ? String((d as { id: unknown }).id) : '';
}

function tsOf(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Date.now();
}

/** Subscribes; returns the function that ends the subscription. `devices` null = all devices. */
export function subscribeLive(devices: string[] | null, types: ('readings' | 'status' | 'alarms')[], handlers: LiveHandlers): () => void {
  let closed = false;
  let source: EventSource | null = null;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let failures = 0;

  const poll = async () => {
    if (!devices || !types.includes('readings')) return;
    try {
      const latest = await api.get<{ items: LatestItem[] }>('/api/v1/readings/latest', { devices: devices.join(',') });
      const byDevice = new Map<string, PollEvent>();
      for (const item of latest.items) {
        let e = byDevice.get(item.device);
        if (!e) byDevice.set(item.device, (e = { device: item.device, ts: 0, readings: {}, quality: {} }));
        e.readings[item.point] = item.value;
        if (item.quality) e.quality![item.point] = item.quality;
        e.ts = Math.max(e.ts, Date.parse(item.ts));
      }
      for (const e of byDevice.values()) handlers.readings?.(e);
    } catch {
      // next tick tries again
    }
  };
  const startPolling = () => {
    if (pollTimer || closed) return;
    handlers.mode?.('polling');
    void poll();
    pollTimer = setInterval(poll, POLL_MS);
  };
  const stopPolling = () => {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  };

  const open = () => {
    if (closed || typeof EventSource === 'undefined') return startPolling();
    const query = devices ? { devices: devices.join(','), types: types.join(',') } : { all: true, types: types.join(',') };
    source = new EventSource(withQuery('/api/v1/stream', query));
    source.addEventListener('hello', () => {
      failures = 0;
      stopPolling();
      handlers.mode?.('stream');
    });
    source.addEventListener('readings', (ev) => {
      const data = JSON.parse((ev as MessageEvent).data) as Record<string, unknown>;
      handlers.readings?.({ device: deviceOf(data), ts: tsOf(data.ts), readings: (data.readings ?? {}) as PollEvent['readings'], quality: (data.quality ?? {}) as Record<string, string> });
    });
    source.addEventListener('status', (ev) => {
      const data = JSON.parse((ev as MessageEvent).data) as Record<string, unknown>;
      handlers.status?.({ device: deviceOf(data), state: String(data.state), ts: tsOf(data.ts) });
    });
    source.addEventListener('alarms', (ev) => handlers.alarms?.(JSON.parse((ev as MessageEvent).data) as Record<string, unknown>));
    source.onerror = () => {
      // EventSource retries by itself (retry: 3000); poll meanwhile so values keep coming.
      failures++;
      startPolling();
      if (failures > 5 && source) {
        source.close();
        source = null;
        setTimeout(open, 30_000);
      }
    };
  };
  if (devices) void poll(); // values at once, before the first live event (up to 10 s away)
  open();
  return () => {
    closed = true;
    source?.close();
    stopPolling();
  };
}
