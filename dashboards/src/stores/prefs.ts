// Preferences: language and display units. Per user on the server (GET/PUT /api/v1/me/settings) once
// logged in; localStorage keeps them for the login page and for servers without the settings operation.
import { defineStore } from 'pinia';
import { DEFAULT_UNITS, type UnitPrefs } from '../lib/units.ts';
import { i18n, LANGUAGES, pickLanguage, type Language } from '../i18n.ts';
import { api, optional } from '../api/client.ts';
import { useSession } from './session.ts';

const KEY = 'heatgrid.prefs';

interface Stored {
  language?: Language;
  units?: Partial<UnitPrefs>;
}

function load(): Stored {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Stored;
  } catch {
    return {};
  }
}

export const usePrefs = defineStore('prefs', {
  state: () => {
    const stored = load();
    return {
      language: stored.language ?? pickLanguage([...(navigator.languages ?? [])]),
      explicitLanguage: stored.language !== undefined,
      units: { ...DEFAULT_UNITS, ...(stored.units ?? {}) } as UnitPrefs,
    };
  },
  getters: {
    locale: (s) => (s.language === 'de' ? 'de-DE' : 'en-GB'),
  },
  actions: {
    apply() {
      i18n.global.locale.value = this.language;
      document.documentElement.lang = this.language;
    },
    setLanguage(language: Language, explicit = true) {
      this.language = language;
      if (explicit) this.explicitLanguage = true;
      this.apply();
      this.save();
      if (explicit) void this.push({ language });
    },
    setUnits(units: Partial<UnitPrefs>) {
      this.units = { ...this.units, ...units };
      this.save();
      void this.push({ units });
    },
    /** After login: the user's settings from the server win over this browser's (when the server has them). */
    async pull() {
      try {
        const s = await optional(api.get<{ language: string; units: UnitPrefs; updatedAt: string | null }>('/api/v1/me/settings'));
        if (!s || s.updatedAt === null) return;
        this.units = { ...this.units, ...s.units };
        if (LANGUAGES.some((l) => l.code === s.language)) {
          this.language = s.language as Language;
          this.explicitLanguage = true;
          this.apply();
        }
        this.save();
      } catch {
        // keep this browser's preferences
      }
    },
    async push(change: { language?: string; units?: Partial<UnitPrefs> }) {
      if (!useSession().loggedIn) return;
      try {
        await optional(api.put('/api/v1/me/settings', change));
      } catch {
        // kept in this browser; the next change tries again
      }
    },
    save() {
      const stored: Stored = { units: this.units };
      if (this.explicitLanguage) stored.language = this.language;
      localStorage.setItem(KEY, JSON.stringify(stored));
    },
  },
});
