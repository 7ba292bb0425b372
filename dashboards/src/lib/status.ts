// Map pin and list status: one colour per state, the worst state wins in a cluster.

export type PinStatus = 'ok' | 'alarm-high' | 'alarm-medium' | 'alarm-low' | 'offline' | 'unknown';

/** Worst first: a cluster shows the colour of its worst member. */
export const STATUS_ORDER: PinStatus[] = ['alarm-high', 'alarm-medium', 'alarm-low', 'offline', 'unknown', 'ok'];

export const STATUS_COLOURS: Record<PinStatus, string> = {
  'alarm-high': '#c62828',
  'alarm-medium': '#ef6c00',
  'alarm-low': '#f9a825',
  offline: '#616161',
  unknown: '#9e9e9e',
  ok: '#2e7d32',
};

/** Alarm priority as the alarm API reports it (number 1..1000 per ISA-18.2 or a word). */
export function priorityClass(priority: number | string | null | undefined): 'high' | 'medium' | 'low' {
  if (typeof priority === 'string') {
    const p = priority.toLowerCase();
    if (p === 'urgent' || p === 'critical' || p === 'high') return 'high';
    if (p === 'medium') return 'medium';
    return 'low';
  }
  if (typeof priority === 'number') return priority >= 700 ? 'high' : priority >= 300 ? 'medium' : 'low';
  return 'low';
}

export function pinStatus(state: string | null | undefined, worstAlarm: number | string | null | undefined): PinStatus {
  if (worstAlarm !== null && worstAlarm !== undefined) return `alarm-${priorityClass(worstAlarm)}` as PinStatus;
  if (state === 'offline') return 'offline';
  if (state === 'online') return 'ok';
  return 'unknown';
}

export function worstStatus(a: PinStatus, b: PinStatus): PinStatus {
  return STATUS_ORDER.indexOf(a) <= STATUS_ORDER.indexOf(b) ? a : b;
}
