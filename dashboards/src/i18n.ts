import { createI18n } from 'vue-i18n';
import en from './locales/en.ts';
import de from './locales/de.ts';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'de', name: 'Deutsch' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

export function pickLanguage(candidates: (string | null | undefined)[]): Language {
  for (const c of candidates) {
    const base = (c ?? '').toLowerCase().split('-')[0];
    if (LANGUAGES.some((l) => l.code === base)) return base as Language;
  }
  return 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en, de },
  missingWarn: false,
  fallbackWarn: false,
});
