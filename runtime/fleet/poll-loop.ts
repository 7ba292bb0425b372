// Polls a selection of devices at a fixed cadence. Each device has a fixed slot inside the cadence
// (hashed from its id), so 10,000 devices spread evenly instead of polling in the same millisecond; one
// timer drives the whole loop. A device whose previous poll is still running skips its slot (counted as
// an overrun) rather than piling up requests. The device list is re-read every cycle, so devices added
// to a smart group join without a restart.
import { EventEmitter } from 'node:events';
import type { Device, ModbusTcpConnection } from '../devices/device.ts';
import type { DeviceTemplate, PointDefinition } from '../templates/template.ts';
import type { PollPayload } from '../readings.ts';
import { LatenessWindow } from './lateness.ts';
import type { LinkPool } from './link-pool.ts';
import type { DeviceStatusTracker, StatusTransition } from './device-status.ts';
import { detectEclApplication, isEclModel } from './application-detector.ts';

export interface PollLoopDeps {
  devices: () => Device[];
  templateFor: (device: Device) => DeviceTemplate | null;
  links: LinkPool;
  statuses: DeviceStatusTracker;
  /** Called when an ECL reports its application key, so the registry can store it. */
  onApplicationDetected?: (device: Device, application: string) => void;
  now?: () => number;
}

export interface PollLoopOptions {
  cadenceMs: number;
  /** Settings points (heat curve, limits) are read every Nth poll. */
  settingsEvery: number;
  offlineAfterMs: number;
  /** Restrict the points read (e.g. the meter reader); default: every template point. */
  pointFilter?: (point: PointDefinition) => boolean;
}

export interface PollLoopStats {
  devices: number;
  polls: number;
  failedPolls: number;
  overruns: number;
  inFlight: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
}

interface Slot {
  device: Device;
  offsetMs: number;
  polls: number;
  busy: boolean;
}

function slotOffset(id: string, cadenceMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % cadenceMs;
}

export class PollLoop extends EventEmitter<{ poll: [PollPayload]; status: [StatusTransition]; error: [Error] }> {
  private readonly deps: PollLoopDeps;
  private readonly options: PollLoopOptions;
  private readonly now: () => number;
  private slots: Slot[] = [];
  private slotById = new Map<string, Slot>();
  private cycleStart = 0;
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly pending = new Set<Promise<void>>();
  private readonly lateness = new LatenessWindow();
  private readonly counters = { polls: 0, failedPolls: 0, overruns: 0 };

  constructor(deps: PollLoopDeps, options: PollLoopOptions) {
    super();
    this.deps = deps;
    this.options = options;
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.cycleStart = this.now();
    this.refreshDevices();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.pending]);
  }

  stats(): PollLoopStats {
    return {
      devices: this.slots.length,
      ...this.counters,
      inFlight: this.pending.size,
      latenessP50Ms: this.lateness.percentile(50),
      latenessP99Ms: this.lateness.percentile(99),
    };
  }

  deviceIds(): string[] {
    return this.slots.map((s) => s.device.id);
  }

  /** Polls one device now, outside its slot (e.g. a "read now" request). */
  pollNow(deviceId: string): Promise<void> {
    const slot = this.slotById.get(deviceId);
    if (!slot) return Promise.reject(new Error(`device ${deviceId} is not in this poller's selection`));
    return this.launch(slot, this.now());
  }

  private refreshDevices(): void {
    const previous = this.slotById;
    let devices: Device[];
    try {
      devices = this.deps.devices().filter((d) => d.enabled && d.connection.kind === 'modbus-tcp');
    } catch (err) {
      this.emit('error', err as Error);
      devices = this.slots.map((s) => s.device);
    }
    // Slots are kept across refreshes: an in-flight poll clears `busy` on the object it started from.
    this.slots = devices
      .map((device) => {
        const old = previous.get(device.id);
        if (old) {
          old.device = device;
          return old;
        }
        return { device, offsetMs: slotOffset(device.id, this.options.cadenceMs), polls: 0, busy: false };
      })
      .sort((a, b) => a.offsetMs - b.offsetMs);
    this.slotById = new Map(this.slots.map((s) => [s.device.id, s]));
  }

  private schedule(): void {
    if (!this.running) return;
    const next = this.slots[this.cursor];
    const due = next ? this.cycleStart + next.offsetMs : this.cycleStart + this.options.cadenceMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - this.now()));
  }

  private tick(): void {
    this.timer = null;
    const now = this.now();
    while (this.running) {
      if (this.cursor >= this.slots.length) {
        const cycleEnd = this.cycleStart + this.options.cadenceMs;
        if (now < cycleEnd) break;
        this.cycleStart = cycleEnd;
        this.cursor = 0;
        this.refreshDevices();
        continue;
      }
      const slot = this.slots[this.cursor]!;
      const due = this.cycleStart + slot.offsetMs;
      if (due > now) break;
      this.cursor++;
      this.lateness.add(now - due);
      if (slot.busy) {
        this.counters.overruns++;
        continue;
      }
      void this.launch(slot, now);
    }
    this.schedule();
  }

  private launch(slot: Slot, ts: number): Promise<void> {
    slot.busy = true;
    const work = this.pollDevice(slot, ts)
      .catch((err: unknown) => {
        this.emit('error', err as Error);
      })
      .finally(() => {
        slot.busy = false;
        this.pending.delete(work);
      });
    this.pending.add(work);
    return work;
  }

  private async pollDevice(slot: Slot, ts: number): Promise<void> {
    let device = slot.device;
    const connection = device.connection as ModbusTcpConnection;
    let template = this.deps.templateFor(device);
    const { link, reader } = this.deps.links.get(connection, template?.maxRegistersPerRead ?? 123);

    if (!template && isEclModel(device.model)) {
      try {
        const detected = await detectEclApplication(link);
        if (detected) {
          device = { ...device, application: detected.key };
          slot.device = device;
          this.deps.onApplicationDetected?.(device, detected.key);
          template = this.deps.templateFor(device);
        }
      } catch (err) {
        this.fail(device, ts, err as Error);
        return;
      }
    }
    if (!template) {
      this.fail(device, ts, new Error(`no template for model ${device.model}${device.application ? ` / ${device.application}` : ''}`));
      return;
    }

    const withSettings = slot.polls % this.options.settingsEvery === 0;
    const filter = this.options.pointFilter ?? (() => true);
    const points = template.points.filter((p) => filter(p) && p.kind !== 'identity' && (withSettings || p.cadence === 'live'));
    const result = await reader.read(points);
    slot.polls++;
    this.counters.polls++;
    if (result.linkError) {
      this.fail(device, ts, result.linkError);
      return;
    }
    const transition = this.deps.statuses.recordSuccess(device.id, ts);
    if (transition) this.emit('status', transition);
    this.emit('poll', {
      device: { id: device.id, name: device.name },
      ts,
      application: device.application,
      readings: result.readings,
      quality: result.quality,
    });
  }

  private fail(device: Device, ts: number, err: Error): void {
    this.counters.failedPolls++;
    const transition = this.deps.statuses.recordFailure(device.id, ts, err.message, this.options.offlineAfterMs);
    if (transition) this.emit('status', transition);
  }
}
