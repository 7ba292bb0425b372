// Per-user settings of the operator app: language, display units and the start-portal layout. The language
// lives in users.language (login and /auth/me answer it); units and the portal layout are JSON in
// user_settings (migration 6). Only the fields an update names change.
import type { ConfigStore } from '../store/config-store.ts';

/** Languages a user may choose: those Heatgrid has texts for (operator app: en, de; reports also da, sv). */
export const USER_LANGUAGES = ['en', 'de', 'da', 'sv'] as const;
export type UserLanguage = (typeof USER_LANGUAGES)[number];

export interface DisplayUnits {
  temperature: 'C' | 'F';
  power: 'kW' | 'MW';
  energy: 'kWh' | 'MWh';
}

/** The operator app's defaults (dashboards/src/lib/units.ts). */
export const DEFAULT_UNITS: Readonly<DisplayUnits> = { temperature: 'C', power: 'kW', energy: 'MWh' };
/** Largest portal layout, as JSON text (bytes of UTF-8). */
export const MAX_PORTAL_BYTES = 64 * 1024;

export interface UserSettings {
  language: string;
  units: DisplayUnits;
  /** The portal layout as the app stores it; null = the app's default for the role. */
  portal: Record<string, unknown> | null;
  /** Last change of units or portal; null when never saved. */
  updatedAt: number | null;
}

export interface UserSettingsUpdate {
  language?: UserLanguage;
  units?: Partial<DisplayUnits>;
  portal?: Record<string, unknown> | null;
}

export class UserSettingsError extends Error {
  readonly code: 'user_not_found' | 'invalid_settings';
  readonly details: { field: string; message: string }[];
  constructor(code: UserSettingsError['code'], message: string, details: { field: string; message: string }[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

interface Row {
  language: string;
  units: string | null;
  portal: string | null;
  updated_at: number | null;
}

export class UserSettingsStore {
  private readonly store: ConfigStore;
  private readonly now: () => number;

  constructor(store: ConfigStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  get(username: string): UserSettings {
    const row = this.store.db
      .prepare('SELECT u.language AS language, s.units AS units, s.portal AS portal, s.updated_at AS updated_at FROM users u LEFT JOIN user_settings s ON s.username = u.username WHERE u.username = ?')
      .get(username) as Row | undefined;
    if (!row) throw new UserSettingsError('user_not_found', `no user "${username}"`);
    return {
      language: row.language,
      units: { ...DEFAULT_UNITS, ...(row.units ? (JSON.parse(row.units) as Partial<DisplayUnits>) : {}) },
      portal: row.portal ? (JSON.parse(row.portal) as Record<string, unknown>) : null,
      updatedAt: row.updated_at ?? null,
    };
  }

  /** Changes the fields `update` names (units field by field; portal null = back to the default). */
  update(username: string, update: UserSettingsUpdate): UserSettings {
    let portalText: string | null | undefined;
    if (update.portal !== undefined) {
      portalText = update.portal === null ? null : JSON.stringify(update.portal);
      const bytes = portalText === null ? 0 : Buffer.byteLength(portalText);
      if (bytes > MAX_PORTAL_BYTES) throw new UserSettingsError('invalid_settings', `the portal layout may be at most ${MAX_PORTAL_BYTES} bytes of JSON`, [{ field: 'portal', message: `${bytes} bytes` }]);
    }
    if (update.language !== undefined && !(USER_LANGUAGES as readonly string[]).includes(update.language)) {
      throw new UserSettingsError('invalid_settings', `language must be one of ${USER_LANGUAGES.join(', ')}`, [{ field: 'language', message: USER_LANGUAGES.join(', ') }]);
    }
    return this.store.transaction(() => {
      const current = this.get(username);
      const t = this.now();
      if (update.language !== undefined && update.language !== current.language) {
        this.store.db.prepare('UPDATE users SET language = ?, updated_at = ? WHERE username = ?').run(update.language, t, username);
      }
      if (update.units !== undefined || portalText !== undefined) {
        const units = { ...current.units, ...definedOnly(update.units ?? {}) };
        const portal = portalText !== undefined ? portalText : current.portal === null ? null : JSON.stringify(current.portal);
        this.store.db
          .prepare('INSERT INTO user_settings(username, units, portal, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET units = excluded.units, portal = excluded.portal, updated_at = excluded.updated_at')
          .run(username, JSON.stringify(units), portal, t);
      }
      return this.get(username);
    });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const byStore = new WeakMap<ConfigStore, UserSettingsStore>();

/** The settings store of a runtime's config store (one per store). */
export function userSettingsOf(services: { store: ConfigStore }): UserSettingsStore {
  let settings = byStore.get(services.store);
  if (!settings) byStore.set(services.store, (settings = new UserSettingsStore(services.store)));
  return settings;
}
