// The live bus: readings, device status and alarm events as they happen, for the SSE stream of the API.
// The `live-publish` node publishes (the shipped flow wires it behind the fleet flow's link-outs); each
// stream connection subscribes with a device filter and event types. Publishing is synchronous and cheap:
// a subscriber that cannot keep up loses its oldest events, never the publisher's time or memory.
export type LiveEventType = 'readings' | 'status' | 'alarms';
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['readings', 'status', 'alarms'];

export interface LiveEvent {
  type: LiveEventType;
  device: string;
  /** Epoch ms of the event (poll time, transition time). */
  ts: number;
  data: unknown;
}

export interface LiveSubscription {
  /** Devices whose events are wanted; null = every device. */
  devices: ReadonlySet<string> | null;
  types: ReadonlySet<LiveEventType>;
  deliver(event: LiveEvent): void;
}

export class LiveBus {
  private readonly subscribers = new Set<LiveSubscription>();
  published = 0;

  subscribe(subscription: LiveSubscription): () => void {
    this.subscribers.add(subscription);
    return () => this.subscribers.delete(subscription);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(event: LiveEvent): void {
    this.published++;
    for (const s of this.subscribers) {
      if (!s.types.has(event.type)) continue;
      if (s.devices && !s.devices.has(event.device)) continue;
      try {
        s.deliver(event);
      } catch {
        // A broken subscriber is removed by its own connection's close; the others still get the event.
      }
    }
  }
}

/**
 * A bounded queue of events for one slow consumer: beyond `max`, the oldest is dropped and counted, so
 * memory per client is bounded whatever the publisher does.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length - this.head > this.max) {
      this.head++;
      this.dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Returns the drop count since the last call and resets it. */
  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}

const SLOT = Symbol.for('heatgrid.live-bus');
type Slot = { [SLOT]?: LiveBus };

/** The process's live bus (shared by the node package loaded by Node-RED and the host). */
export function liveBus(): LiveBus {
  const slot = globalThis as Slot;
  return (slot[SLOT] ??= new LiveBus());
}

/** Turns a message from the fleet flow into a live event (poll message, status transition, alarm event). */
export function liveEventOf(msg: { topic?: unknown; payload?: unknown }, forced?: LiveEventType): LiveEvent | null {
  const p = msg.payload as Record<string, unknown> | null | undefined;
  if (!p || typeof p !== 'object') return null;
  const topicDevice = typeof msg.topic === 'string' && msg.topic.startsWith('heatgrid/') ? msg.topic.slice('heatgrid/'.length) : null;
  const deviceOf = (v: unknown) => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : null);
  const device = deviceOf(p.device) ?? topicDevice;
  if (!device) return null;
  const ts = typeof p.ts === 'number' && Number.isFinite(p.ts) ? p.ts : Date.now();
  const type: LiveEventType | null =
    forced ?? (p.readings && typeof p.readings === 'object' ? 'readings' : (p.state === 'online' || p.state === 'offline') && 'previous' in p ? 'status' : typeof p.alarmId === 'string' ? 'alarms' : null);
  return type ? { type, device, ts, data: p } : null;
}
