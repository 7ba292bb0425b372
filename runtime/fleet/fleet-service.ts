// The field side of one runtime: the shared links (one per controller), the online/offline state of
// every device, and the poll loops that nodes start over a selection of devices.
import type { Device, DeviceSelection } from '../devices/device.ts';
import type { DeviceTemplate } from '../templates/template.ts';
import { DeviceStatusTracker } from './device-status.ts';
import { LinkPool } from './link-pool.ts';
import { PollLoop, type PollLoopOptions } from './poll-loop.ts';
import type { LinkOptions } from '../drivers/modbus/controller-link.ts';

export interface FleetServiceDeps {
  resolve: (selection: DeviceSelection) => Device[];
  templateFor: (device: Device) => DeviceTemplate | null;
  onApplicationDetected?: (device: Device, application: string) => void;
  linkOptions?: Partial<LinkOptions>;
}

export const DEFAULT_POLL_OPTIONS: PollLoopOptions = { cadenceMs: 10_000, settingsEvery: 6, offlineAfterMs: 30_000 };

export class FleetService {
  readonly links: LinkPool;
  readonly statuses = new DeviceStatusTracker();
  private readonly deps: FleetServiceDeps;
  private readonly loops = new Set<PollLoop>();

  constructor(deps: FleetServiceDeps) {
    this.deps = deps;
    this.links = new LinkPool(deps.linkOptions);
  }

  /** A poll loop over a selection; the caller starts it and must `release` it when done. */
  createPollLoop(selection: DeviceSelection, options: Partial<PollLoopOptions> = {}): PollLoop {
    const loop = new PollLoop(
      {
        devices: () => this.deps.resolve(selection),
        templateFor: this.deps.templateFor,
        links: this.links,
        statuses: this.statuses,
        onApplicationDetected: this.deps.onApplicationDetected,
      },
      { ...DEFAULT_POLL_OPTIONS, ...options },
    );
    this.loops.add(loop);
    return loop;
  }

  async release(loop: PollLoop): Promise<void> {
    this.loops.delete(loop);
    await loop.stop();
  }

  /** Devices polled by at least one loop, and link/status figures, for /healthz. */
  summary(): { polledDevices: number; loops: number; links: number; connected: number; online: number; offline: number; unknown: number } {
    const polled = new Set<string>();
    for (const loop of this.loops) for (const id of loop.deviceIds()) polled.add(id);
    return { polledDevices: polled.size, loops: this.loops.size, links: this.links.size, connected: this.links.connectedCount, ...this.statuses.counts() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.loops].map((l) => l.stop()));
    this.loops.clear();
    await this.links.closeAll();
  }
}
