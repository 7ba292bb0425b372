// Alarm-load figures (ISA-18.2 / EEMUA 191 KPIs) computed from the alarm journal: annunciations per 10
// minutes, time in flood (> 10 alarms in a 10-minute bucket), standing alarms, chattering alarms, the top
// 10 offenders and the priority distribution.
import type { AlarmEvent } from '../historian/historian.ts';
import { PRIORITIES, PRIORITY_RANK, type Priority } from './types.ts';

export const TEN_MINUTES = 10 * 60_000;
export const FLOOD_THRESHOLD = 10;

export interface LoadFigureOptions {
  /** Active longer than this at the end of the window = standing; default 24 h. */
  standingAfterMs?: number;
  /** Chattering: at least `chatterCount` activations of one alarm within `chatterWindowMs` (default 3 in 60 s). */
  chatterCount?: number;
  chatterWindowMs?: number;
}

export interface LoadFigures {
  from: number;
  to: number;
  /** Annunciations: transitions to active-unacknowledged from normal or returned (re-alarms counted apart). */
  alarms: number;
  reAlarms: number;
  perTenMinutes: { average: number; peak: number; buckets: Array<{ ts: number; count: number }> };
  flood: { buckets: number; timeMs: number; share: number };
  standing: Array<{ alarmId: string; ruleId: string; device: string; activeSince: number; durationMs: number }>;
  chattering: Array<{ alarmId: string; ruleId: string; device: string; activations: number; maxInWindow: number }>;
  top: Array<{ alarmId: string; ruleId: string; device: string; count: number }>;
  priorities: Record<Priority, number>;
}

const isActivation = (e: AlarmEvent) => e.stateTo === 'active-unacknowledged' && (e.stateFrom === 'normal' || e.stateFrom === 'returned-unacknowledged');
const LIFECYCLE = new Set(['normal', 'active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged']);

export function computeLoadFigures(events: readonly AlarmEvent[], from: number, to: number, options: LoadFigureOptions = {}): LoadFigures {
  const standingAfter = options.standingAfterMs ?? 86_400_000;
  const chatterCount = options.chatterCount ?? 3;
  const chatterWindow = options.chatterWindowMs ?? 60_000;
  const start = Math.floor(from / TEN_MINUTES) * TEN_MINUTES;
  const bucketCount = Math.max(1, Math.ceil((to - start) / TEN_MINUTES));
  const counts = new Array<number>(bucketCount).fill(0);
  const perAlarm = new Map<string, { ruleId: string; device: string; times: number[]; state: string; activeSince: number | null }>();
  const priorities = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  const rankToPriority = new Map(PRIORITIES.map((p) => [PRIORITY_RANK[p], p]));
  let alarms = 0;
  let reAlarms = 0;
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ts < from || e.ts >= to) continue;
    let entry = perAlarm.get(e.alarmId);
    if (!entry) perAlarm.set(e.alarmId, (entry = { ruleId: e.ruleId, device: e.device, times: [], state: 'normal', activeSince: null }));
    if (LIFECYCLE.has(e.stateTo)) {
      if (isActivation(e)) entry.activeSince = e.ts;
      else if (e.stateTo === 'normal' || e.stateTo === 'returned-unacknowledged') entry.activeSince = null;
      entry.state = e.stateTo;
    }
    if (isActivation(e)) {
      alarms++;
      counts[Math.floor((e.ts - start) / TEN_MINUTES)]!++;
      entry.times.push(e.ts);
      const p = rankToPriority.get(e.priority);
      if (p) priorities[p]++;
    } else if (e.stateTo === 'active-unacknowledged' && e.stateFrom === 'active-acknowledged') reAlarms++;
  }
  const floodBuckets = counts.filter((c) => c > FLOOD_THRESHOLD).length;
  const standing: LoadFigures['standing'] = [];
  const chattering: LoadFigures['chattering'] = [];
  for (const [alarmId, a] of perAlarm) {
    if (a.activeSince !== null && (a.state === 'active-unacknowledged' || a.state === 'active-acknowledged') && to - a.activeSince >= standingAfter) {
      standing.push({ alarmId, ruleId: a.ruleId, device: a.device, activeSince: a.activeSince, durationMs: to - a.activeSince });
    }
    let maxInWindow = 0;
    for (let i = 0, j = 0; i < a.times.length; i++) {
      while (a.times[i]! - a.times[j]! > chatterWindow) j++;
      maxInWindow = Math.max(maxInWindow, i - j + 1);
    }
    if (maxInWindow >= chatterCount) chattering.push({ alarmId, ruleId: a.ruleId, device: a.device, activations: a.times.length, maxInWindow });
  }
  const top = [...perAlarm]
    .filter(([, a]) => a.times.length > 0)
    .map(([alarmId, a]) => ({ alarmId, ruleId: a.ruleId, device: a.device, count: a.times.length }))
    .sort((x, y) => y.count - x.count || x.alarmId.localeCompare(y.alarmId))
    .slice(0, 10);
  return {
    from, to, alarms, reAlarms,
    perTenMinutes: {
      average: alarms / Math.max(1, (to - from) / TEN_MINUTES),
      peak: Math.max(0, ...counts),
      buckets: counts.map((count, i) => ({ ts: start + i * TEN_MINUTES, count })),
    },
    flood: { buckets: floodBuckets, timeMs: floodBuckets * TEN_MINUTES, share: floodBuckets / bucketCount },
    standing: standing.sort((x, y) => y.durationMs - x.durationMs),
    chattering: chattering.sort((x, y) => y.maxInWindow - x.maxInWindow),
    top,
    priorities,
  };
}
