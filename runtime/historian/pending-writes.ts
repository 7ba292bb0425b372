// What callers handed to the historian and the next flush has not taken yet. Enqueueing only validates
// and appends: it never blocks and never throws into the poller. Bad rows are counted and logged once.
import { samplesOf, QUALITIES, type PollPayload, type Sample } from '../readings.ts';
import type { Logger } from '../log.ts';
import type { AlarmEvent, AuditEntry } from './historian.ts';

export interface Batch {
  samples: Sample[];
  alarms: AlarmEvent[];
  audit: AuditEntry[];
}

export function batchSize(b: Batch): number {
  return b.samples.length + b.alarms.length + b.audit.length;
}

function validSample(s: Sample): boolean {
  return (
    typeof s?.device === 'string' && s.device !== '' && typeof s.point === 'string' && s.point !== '' &&
    Number.isFinite(s.ts) && (s.value === null || typeof s.value === 'number') && QUALITIES.includes(s.quality)
  );
}

export class PendingWrites {
  private batch: Batch = { samples: [], alarms: [], audit: [] };
  dropped = 0;
  private warnedInvalid = false;
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  get size(): number {
    return batchSize(this.batch);
  }

  addPoll(payload: PollPayload): void {
    try {
      if (!payload || typeof payload.device?.id !== 'string' || !Number.isFinite(payload.ts) || typeof payload.readings !== 'object') {
        return this.invalid(1, 'a poll message without device.id, ts or readings');
      }
      this.addSamples(samplesOf({ ...payload, quality: payload.quality ?? {} }));
    } catch (err) {
      this.invalid(1, `an unreadable poll message (${(err as Error).message})`);
    }
  }

  addSamples(samples: readonly Sample[]): void {
    let bad = 0;
    for (const s of samples) {
      if (!validSample(s)) bad++;
      // NaN/Infinity are not values a meter reads: store them as a gap with their quality.
      else this.batch.samples.push(Number.isFinite(s.value) || s.value === null ? s : { ...s, value: null });
    }
    if (bad) this.invalid(bad, 'samples without device, point, finite ts or a known quality');
  }

  addAlarms(events: readonly AlarmEvent[]): void {
    for (const e of events) {
      if (Number.isFinite(e?.ts) && e.alarmId && e.device && e.stateTo) this.batch.alarms.push(e);
      else this.invalid(1, 'an alarm event without ts, alarmId, device or stateTo');
    }
  }

  addAudit(entries: readonly AuditEntry[]): void {
    for (const e of entries) {
      if (Number.isFinite(e?.ts) && e.actor && e.action) this.batch.audit.push(e);
      else this.invalid(1, 'an audit entry without ts, actor or action');
    }
  }

  /** Hands over everything pending and starts a new batch. */
  take(): Batch {
    const taken = this.batch;
    this.batch = { samples: [], alarms: [], audit: [] };
    return taken;
  }

  private invalid(count: number, what: string): void {
    this.dropped += count;
    if (!this.warnedInvalid) {
      this.warnedInvalid = true;
      this.log.warn(`ignored ${what}; further ones are only counted (health: dropped)`);
    }
  }
}
