// The poll message: what `ecl-controller` (and any later driver or gateway) sends once per device poll,
// and what every downstream node (historian, alarms, dashboards) accepts as it is.
// msg.topic = "heatgrid/<deviceId>", msg.payload = PollPayload.

/** Quality of one value in one poll. */
export type Quality = 'good' | 'sensor-break' | 'stale' | 'comm-error';
export const QUALITIES: readonly Quality[] = ['good', 'sensor-break', 'stale', 'comm-error'];

export interface PollPayload {
  device: { id: string; name: string };
  /** Epoch milliseconds of the poll. */
  ts: number;
  /** Application key such as "A266.1", or null when unknown. */
  application: string | null;
  /** Point key (unit-explicit, e.g. supply_temp_c) → value in the point's unit; null when not readable. */
  readings: Record<string, number | null>;
  quality: Record<string, Quality>;
}

export function pollTopic(deviceId: string): string {
  return `heatgrid/${deviceId}`;
}

/** One stored value: the narrow shape the historian and the API speak. */
export interface Sample {
  device: string;
  point: string;
  ts: number;
  value: number | null;
  quality: Quality;
}

export function samplesOf(poll: PollPayload): Sample[] {
  const out: Sample[] = [];
  for (const [point, value] of Object.entries(poll.readings)) {
    out.push({ device: poll.device.id, point, ts: poll.ts, value, quality: poll.quality[point] ?? (value === null ? 'comm-error' : 'good') });
  }
  return out;
}
