// ECL application keys we model, with the meaning of each sensor input (§2 of the domain notes).
// Which physical sensor carries which value depends on the key plugged into the controller.

export type EclApplication = 'A230' | 'A237' | 'A247' | 'A266';
export const ECL_APPLICATIONS: readonly EclApplication[] = ['A230', 'A237', 'A247', 'A266'];

export interface ApplicationProfile {
  application: EclApplication;
  description: string;
  /** Sensor number (S1..S6) → point key. */
  sensors: Record<number, string>;
  /** The circuit that heats domestic hot water, if any. */
  dhwCircuit: 2 | null;
}

export const APPLICATION_PROFILES: Record<EclApplication, ApplicationProfile> = {
  A230: {
    application: 'A230',
    description: 'Weather-compensated space heating',
    sensors: { 1: 'outdoor_temp_c', 2: 'room_temp_c', 3: 'supply_temp_c', 5: 'return_temp_c' },
    dhwCircuit: null,
  },
  A237: {
    application: 'A237',
    description: 'Space heating and DHW storage-tank charging',
    sensors: { 1: 'outdoor_temp_c', 3: 'supply_temp_c', 5: 'return_temp_c', 6: 'dhw_tank_temp_c' },
    dhwCircuit: 2,
  },
  A247: {
    application: 'A247',
    description: 'Space heating and DHW through a heat exchanger',
    sensors: { 1: 'outdoor_temp_c', 3: 'supply_temp_c', 4: 'dhw_supply_temp_c', 5: 'return_temp_c' },
    dhwCircuit: 2,
  },
  A266: {
    application: 'A266',
    description: 'Space heating and DHW (2 circuits)',
    sensors: { 1: 'outdoor_temp_c', 2: 'room_temp_c', 3: 'supply_temp_c', 4: 'dhw_tank_temp_c', 5: 'return_temp_c', 6: 'dhw_return_temp_c' },
    dhwCircuit: 2,
  },
};

/** "A266.1" → "A266"; null for keys we do not model. */
export function applicationFamily(key: string | null | undefined): EclApplication | null {
  const match = /^(A\d{3})(?:\.\d+)?$/.exec(key ?? '');
  const family = match?.[1] as EclApplication | undefined;
  return family && ECL_APPLICATIONS.includes(family) ? family : null;
}

/** Decodes PNU 2060-2063 (prefix ASCII, type, sub-type, packed version) into "A266.1". */
export function decodeApplicationKey(prefix: number, type: number, subtype: number): string | null {
  if (prefix < 65 || prefix > 90 || type <= 0) return null;
  return `${String.fromCharCode(prefix)}${type}${subtype > 0 ? `.${subtype}` : ''}`;
}

export function decodePackedVersion(raw: number): string {
  return `${raw >> 8}.${String(raw & 0xff).padStart(2, '0')}`;
}
