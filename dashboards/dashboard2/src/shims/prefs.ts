// Stand-in for the operator app's Pinia prefs store inside the Dashboard 2.0 widget bundles (aliased by
// the widget build): Dashboard 2.0 has no per-user settings, so widgets show the default units and the
// browser's language.
import { DEFAULT_UNITS } from '../../../src/lib/units.ts';
import { widgetLanguage } from './vue-i18n.ts';

export function usePrefs() {
  return { units: DEFAULT_UNITS, locale: widgetLanguage() === 'de' ? 'de-DE' : 'en-GB' };
}
