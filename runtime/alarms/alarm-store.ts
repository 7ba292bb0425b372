// Persistence of alarm rules and alarm states in the config store (migration 3). States are written in
// batches (one transaction per processed poll or tick), so a flood costs one commit, not one per alarm.
import type { ConfigStore } from '../store/config-store.ts';
import type { Alarm, AlarmRule } from './types.ts';

export class AlarmStore {
  private readonly store: ConfigStore;
  private readonly dirty = new Map<string, Alarm | null>();

  constructor(store: ConfigStore) {
    this.store = store;
  }

  rules(): AlarmRule[] {
    const rows = this.store.db.prepare('SELECT body FROM alarm_rules ORDER BY id').all() as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as AlarmRule);
  }

  saveRule(rule: AlarmRule): void {
    this.store.db
      .prepare(`INSERT INTO alarm_rules (id, kind, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`)
      .run(rule.id, rule.kind, JSON.stringify(rule), rule.createdAt, rule.updatedAt);
  }

  deleteRule(id: string): void {
    this.store.db.prepare('DELETE FROM alarm_rules WHERE id = ?').run(id);
  }

  states(): Alarm[] {
    const rows = this.store.db.prepare('SELECT body FROM alarm_states').all() as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Alarm);
  }

  /** Marks an alarm for the next flush; null deletes its row (normal, nothing pending, no overlay). */
  mark(id: string, alarm: Alarm | null): void {
    this.dirty.set(id, alarm);
  }

  flush(): void {
    if (this.dirty.size === 0 || !this.store.db.isOpen) return;
    const upsert = this.store.db.prepare(`INSERT INTO alarm_states (id, rule_id, device, body, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`);
    const remove = this.store.db.prepare('DELETE FROM alarm_states WHERE id = ?');
    const batch = [...this.dirty];
    this.dirty.clear();
    this.store.transaction(() => {
      for (const [id, alarm] of batch) {
        if (alarm) upsert.run(id, alarm.ruleId, alarm.device, JSON.stringify(alarm), alarm.changedAt);
        else remove.run(id);
      }
    });
  }

  deleteStatesOfRule(ruleId: string): void {
    for (const id of [...this.dirty.keys()]) if (id.startsWith(`${ruleId}:`)) this.dirty.delete(id);
    this.store.db.prepare('DELETE FROM alarm_states WHERE rule_id = ?').run(ruleId);
  }
}
