// Display units and number formatting. Values arrive in the contract's units (°C, kW, kWh, m³, m³/h, %);
// the user picks how temperatures, power and energy are shown. Pure functions: tested in mocha.

export type TemperatureUnit = 'C' | 'F';
export type PowerUnit = 'kW' | 'MW';
export type EnergyUnit = 'kWh' | 'MWh';

export interface UnitPrefs {
  temperature: TemperatureUnit;
  power: PowerUnit;
  energy: EnergyUnit;
}

export const DEFAULT_UNITS: UnitPrefs = { temperature: 'C', power: 'kW', energy: 'MWh' };

/** What a point key measures, read from its unit-explicit suffix (design §3 names). */
export type Quantity = 'temperature' | 'power' | 'energy' | 'flow' | 'volume' | 'percent' | 'onoff' | 'ratio' | 'number';

export function quantityOf(point: string): Quantity {
  if (/_c$/.test(point)) return 'temperature';
  if (/_kw$/.test(point)) return 'power';
  if (/_kwh$/.test(point)) return 'energy';
  if (/_m3h$/.test(point)) return 'flow';
  if (/_m3$/.test(point)) return 'volume';
  if (/_(pct|opening|closing)$/.test(point)) return 'percent';
  if (/_on$/.test(point)) return 'onoff';
  if (/_slope$/.test(point)) return 'ratio';
  return 'number';
}

/** Converts a value in the contract unit into the display unit; returns the value and the unit label. */
export function toDisplay(point: string, value: number, prefs: UnitPrefs): { value: number; unit: string; digits: number } {
  switch (quantityOf(point)) {
    case 'temperature':
      return prefs.temperature === 'F' ? { value: (value * 9) / 5 + 32, unit: '°F', digits: 1 } : { value, unit: '°C', digits: 1 };
    case 'power':
      return prefs.power === 'MW' ? { value: value / 1000, unit: 'MW', digits: 3 } : { value, unit: 'kW', digits: 1 };
    case 'energy':
      return prefs.energy === 'MWh' ? { value: value / 1000, unit: 'MWh', digits: 3 } : { value, unit: 'kWh', digits: 0 };
    case 'flow':
      return { value, unit: 'm³/h', digits: 2 };
    case 'volume':
      return { value, unit: 'm³', digits: 1 };
    case 'percent':
      return { value, unit: '%', digits: 0 };
    case 'ratio':
      return { value, unit: '', digits: 2 };
    default:
      return { value, unit: '', digits: 1 };
  }
}

/** Converts a display-unit value typed by a user back into the contract unit (for setpoint writes). */
export function fromDisplay(point: string, value: number, prefs: UnitPrefs): number {
  switch (quantityOf(point)) {
    case 'temperature':
      return prefs.temperature === 'F' ? ((value - 32) * 5) / 9 : value;
    case 'power':
      return prefs.power === 'MW' ? value * 1000 : value;
    case 'energy':
      return prefs.energy === 'MWh' ? value * 1000 : value;
    default:
      return value;
  }
}

const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, digits: number): Intl.NumberFormat {
  const key = `${locale}|${digits}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f;
}

export function formatNumber(value: number, locale: string, digits = 1): string {
  return numberFormat(locale, digits).format(value);
}

/**
 * A reading as text with its unit ("54.2 °C", "1,234.5 kW"), "—" when missing. On/off points give
 * the `on`/`off` words passed in (already translated).
 */
export function formatReading(point: string, value: number | null | undefined, prefs: UnitPrefs, locale: string, words: { on: string; off: string } = { on: 'on', off: 'off' }): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (quantityOf(point) === 'onoff') return value ? words.on : words.off;
  const d = toDisplay(point, value, prefs);
  const text = formatNumber(d.value, locale, d.digits);
  return d.unit ? `${text}\u00a0${d.unit}` : text;
}

/** The display unit label of a point ("°C", "MWh"), for table headers and axes. */
export function unitLabel(point: string, prefs: UnitPrefs): string {
  return quantityOf(point) === 'onoff' ? '' : toDisplay(point, 0, prefs).unit;
}
