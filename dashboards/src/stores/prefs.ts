// Per-browser preferences: language and display units. Kept in localStorage until the API offers
// per-user settings (docs/operator-app.md lists the endpoint it needs).
import { defineStore } from 'pinia';
import { DEFAULT_UNITS, type UnitPrefs } from '../lib/units.ts';
import { i18n, pickLanguage, type Language } from '../i18n.ts';

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
    },
    setUnits(units: Partial<UnitPrefs>) {
      this.units = { ...this.units, ...units };
      this.save();
    },
    save() {
      const stored: Stored = { units: this.units };
      if (this.explicitLanguage) stored.language = this.language;
      localStorage.setItem(KEY, JSON.stringify(stored));
    },
  },
});
