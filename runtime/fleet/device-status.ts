// Online/offline state of every polled device, shared by pollers, smart groups, alarms and /healthz.
// A device goes offline when it has not answered a poll for `offlineAfterMs` (first failure of a device
// never seen online: offline at once), and online again with its next answered poll.
import { EventEmitter } from 'node:events';

export type DeviceOnlineState = 'online' | 'offline' | 'unknown';

export interface DeviceStatus {
  state: DeviceOnlineState;
  since: number;
  lastSuccess: number | null;
  lastAttempt: number | null;
  lastError: string | null;
}

export interface StatusTransition {
  device: string;
  state: 'online' | 'offline';
  previous: DeviceOnlineState;
  ts: number;
  lastSuccess: number | null;
  reason: string | null;
}

export class DeviceStatusTracker extends EventEmitter<{ transition: [StatusTransition] }> {
  private readonly statuses = new Map<string, DeviceStatus>();

  statusOf(deviceId: string): DeviceOnlineState {
    return this.statuses.get(deviceId)?.state ?? 'unknown';
  }

  get(deviceId: string): DeviceStatus | null {
    return this.statuses.get(deviceId) ?? null;
  }

  recordSuccess(deviceId: string, ts: number): StatusTransition | null {
    const s = this.entry(deviceId, ts);
    s.lastSuccess = ts;
    s.lastAttempt = ts;
    s.lastError = null;
    return this.move(deviceId, s, 'online', ts, null);
  }

  recordFailure(deviceId: string, ts: number, error: string, offlineAfterMs: number): StatusTransition | null {
    const s = this.entry(deviceId, ts);
    s.lastAttempt = ts;
    s.lastError = error;
    const silentFor = ts - (s.lastSuccess ?? -Infinity);
    if (s.state === 'offline' || (s.state === 'online' && silentFor < offlineAfterMs)) return null;
    return this.move(deviceId, s, 'offline', ts, error);
  }

  forget(deviceId: string): void {
    this.statuses.delete(deviceId);
  }

  counts(): { online: number; offline: number; unknown: number } {
    const counts = { online: 0, offline: 0, unknown: 0 };
    for (const s of this.statuses.values()) counts[s.state]++;
    return counts;
  }

  private entry(deviceId: string, ts: number): DeviceStatus {
    let s = this.statuses.get(deviceId);
    if (!s) {
      s = { state: 'unknown', since: ts, lastSuccess: null, lastAttempt: null, lastError: null };
      this.statuses.set(deviceId, s);
    }
    return s;
  }

  private move(deviceId: string, s: DeviceStatus, state: 'online' | 'offline', ts: number, reason: string | null): StatusTransition | null {
    if (s.state === state) return null;
    const transition: StatusTransition = { device: deviceId, state, previous: s.state, ts, lastSuccess: s.lastSuccess, reason };
    s.state = state;
    s.since = ts;
    this.emit('transition', transition);
    return transition;
  }
}
