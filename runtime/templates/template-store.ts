// The template store: built-in ECL Comfort templates (generated from the register map) and user templates
// for third-party devices (JSON, validated, persisted in the config store), and the rule that picks the
// template a device is polled with.
import type { ConfigStore } from '../store/config-store.ts';
import type { Device } from '../devices/device.ts';
import { ECL_TEMPLATES, eclTemplateId } from '../ecl/ecl-templates.ts';
import { applicationFamily } from '../ecl/applications.ts';
import { isEclModel } from '../devices/validation.ts';
import { TemplateError, validateTemplate, wordsOf, type DeviceTemplate } from './template.ts';

export type TemplateStoreErrorCode = 'invalid_template' | 'template_exists' | 'template_not_found' | 'template_builtin';

export class TemplateStoreError extends Error {
  readonly code: TemplateStoreErrorCode;
  readonly details: string[];
  constructor(code: TemplateStoreErrorCode, message: string, details: string[] = []) {
    super(details.length ? `${message}: ${details.join('; ')}` : message);
    this.code = code;
    this.details = details;
  }
}

/** The template a device is polled with, or why there is none yet (the poller then reads identity only). */
export type TemplateResolution = { template: DeviceTemplate; reason: null } | { template: null; reason: string };

/** Ids under this prefix belong to the built-in ECL templates. */
const BUILTIN_PREFIX = 'ecl-comfort/';

/** Two points that read overlapping registers are a typo in the register column, never intended. */
function overlapProblems(t: DeviceTemplate): string[] {
  const problems: string[] = [];
  const spans = t.points
    .map((p, i) => ({ i, key: p.key, read: p.read, from: p.register, to: p.register + wordsOf(p.type) - 1 }))
    .sort((a, b) => (a.read === b.read ? a.from - b.from : a.read < b.read ? -1 : 1));
  for (let k = 1; k < spans.length; k++) {
    const [a, b] = [spans[k - 1]!, spans[k]!];
    if (a.read === b.read && b.from <= a.to) problems.push(`points[${b.i}] (${b.key}): ${b.read} register ${b.from} overlaps points[${a.i}] (${a.key}, registers ${a.from}..${a.to})`);
  }
  return problems;
}

interface TemplateRow {
  id: string;
  body: string;
}

export class TemplateStore {
  private readonly store: ConfigStore;
  private readonly now: () => number;
  private readonly builtins: Map<string, DeviceTemplate>;
  private user = new Map<string, DeviceTemplate>();
  /** SQLite's data_version moves when another connection (the CLI) commits; then the cache is reloaded. */
  private seenDataVersion = -1;

  constructor(store: ConfigStore, options: { now?: () => number; builtins?: readonly DeviceTemplate[] } = {}) {
    this.store = store;
    this.now = options.now ?? Date.now;
    this.builtins = new Map((options.builtins ?? ECL_TEMPLATES).map((t) => [t.id, t]));
  }

  private users(): Map<string, DeviceTemplate> {
    const version = Number((this.store.db.prepare('PRAGMA data_version').get() as { data_version: number }).data_version);
    if (version !== this.seenDataVersion) {
      const rows = this.store.db.prepare('SELECT id, body FROM user_templates ORDER BY id').all() as unknown as TemplateRow[];
      this.user = new Map(rows.map((r) => [r.id, JSON.parse(r.body) as DeviceTemplate]));
      this.seenDataVersion = version;
    }
    return this.user;
  }

  /** Built-ins first, then user templates, each by id. */
  list(): DeviceTemplate[] {
    return [...this.builtins.values(), ...this.users().values()];
  }

  get(id: string): DeviceTemplate | null {
    return this.builtins.get(id) ?? this.users().get(id) ?? null;
  }

  has(id: string): boolean {
    return this.get(id) !== null;
  }

  isBuiltin(id: string): boolean {
    return this.builtins.has(id) || id.startsWith(BUILTIN_PREFIX);
  }

  /** Validates parsed JSON as a user template without storing it. */
  check(json: unknown): DeviceTemplate {
    let template: DeviceTemplate;
    try {
      template = validateTemplate(json);
    } catch (err) {
      if (err instanceof TemplateError) throw new TemplateStoreError('invalid_template', 'invalid template', err.details.length ? err.details : [err.message]);
      throw err;
    }
    const problems = overlapProblems(template);
    if (problems.length) throw new TemplateStoreError('invalid_template', 'invalid template', problems);
    if (this.isBuiltin(template.id)) throw new TemplateStoreError('template_builtin', `"${template.id}" is a built-in template id (ids starting with ${BUILTIN_PREFIX} are reserved)`);
    return template;
  }

  /** Adds a user template; with `replace`, an existing user template of that id is replaced. */
  add(json: unknown, options: { replace?: boolean } = {}): DeviceTemplate {
    const template = this.check(json);
    const exists = this.users().has(template.id);
    if (exists && !options.replace) throw new TemplateStoreError('template_exists', `a template "${template.id}" exists already (replace it instead)`);
    const now = this.now();
    this.store.db
      .prepare('INSERT INTO user_templates (id, body, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at')
      .run(template.id, JSON.stringify(template), now, now);
    this.seenDataVersion = -1;
    return template;
  }

  /** Replaces an existing user template. */
  replace(json: unknown): DeviceTemplate {
    const template = this.check(json);
    if (!this.users().has(template.id)) throw new TemplateStoreError('template_not_found', `no user template "${template.id}"`);
    return this.add(template, { replace: true });
  }

  delete(id: string): DeviceTemplate {
    if (this.isBuiltin(id)) throw new TemplateStoreError('template_builtin', `"${id}" is built in and cannot be deleted`);
    const template = this.users().get(id);
    if (!template) throw new TemplateStoreError('template_not_found', `no user template "${id}"`);
    this.store.db.prepare('DELETE FROM user_templates WHERE id = ?').run(id);
    this.seenDataVersion = -1;
    return template;
  }

  /**
   * The template a device is polled with: its explicit templateId; for ECL models the built-in template of
   * its application family (A266.1 → ecl-comfort/A266); otherwise a user template listing its model (one
   * naming its application preferred over a whole-device one). ECL devices whose application is not yet
   * known get none, so the poller reads the identity registers (PNU 2060-2063) first.
   */
  templateFor(device: Pick<Device, 'model' | 'application' | 'templateId'>): TemplateResolution {
    if (device.templateId) {
      const template = this.get(device.templateId);
      return template ? { template, reason: null } : { template: null, reason: `template "${device.templateId}" does not exist` };
    }
    if (isEclModel(device.model)) {
      if (!device.application) return { template: null, reason: 'application not known yet: read the application key (PNU 2060-2063) first, or set it by hand' };
      const family = applicationFamily(device.application);
      const builtin = family ? this.builtins.get(eclTemplateId(family)) : undefined;
      if (builtin) return { template: builtin, reason: null };
    }
    const candidates = [...this.users().values()].filter((t) => t.models.includes(device.model));
    const template = candidates.find((t) => t.application !== null && t.application === device.application) ?? candidates.find((t) => t.application === null);
    if (template) return { template, reason: null };
    if (isEclModel(device.model)) return { template: null, reason: `application ${device.application} is not modelled (built in: ${[...this.builtins.values()].map((t) => t.application).join(', ')}); add a user template for it` };
    return { template: null, reason: `no template for model "${device.model}"${device.application ? ` and application ${device.application}` : ''}: add a user template listing this model, or set the device's templateId` };
  }
}
