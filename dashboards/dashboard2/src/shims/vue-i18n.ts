// Stand-in for vue-i18n inside the Dashboard 2.0 widget bundles. The shared components call
// `useI18n().t(key, params)`; Dashboard 2.0 installs no i18n plugin in its app, so the widget build aliases
// 'vue-i18n' to this module: the same catalogues as the operator app (dashboards/src/locales), the
// browser's language (en or de), `{name}` interpolation. Nothing else of vue-i18n is used by the widgets.
import en from '../../../src/locales/en.ts';
import de from '../../../src/locales/de.ts';

type Catalogue = { [key: string]: string | Catalogue };
const CATALOGUES: Record<string, Catalogue> = { en: en as Catalogue, de: de as Catalogue };

export function widgetLanguage(): 'en' | 'de' {
  for (const l of typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language]) {
    const base = String(l ?? '').toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

function lookup(cat: Catalogue, key: string): string | undefined {
  let at: string | Catalogue | undefined = cat;
  for (const part of key.split('.')) {
    if (!at || typeof at === 'string') return undefined;
    at = at[part];
  }
  return typeof at === 'string' ? at : undefined;
}

export function translate(key: string, params: Record<string, unknown> = {}): string {
  const text = lookup(CATALOGUES[widgetLanguage()]!, key) ?? lookup(CATALOGUES.en!, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function useI18n() {
  return { t: translate, locale: { value: widgetLanguage() } };
}
