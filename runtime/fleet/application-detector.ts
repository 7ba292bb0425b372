// Reads an ECL's application key (PNU 2060-2063: 'A', type, sub-type, version) so a device registered
// with only an address gets the right template.
import { decodeApplicationKey, decodePackedVersion } from '../ecl/applications.ts';
import { eclRegister } from '../ecl/register-map.ts';
import type { ControllerLink } from '../drivers/modbus/controller-link.ts';

export interface DetectedApplication {
  key: string;
  version: string;
}

export async function detectEclApplication(link: ControllerLink): Promise<DetectedApplication | null> {
  const first = eclRegister(2060).register;
  const [prefix, type, subtype, version] = await link.readRegisters('holding', first, 4, 'ahead');
  const key = decodeApplicationKey(prefix!, type!, subtype!);
  return key ? { key, version: decodePackedVersion(version!) } : null;
}

export function isEclModel(model: string): boolean {
  return model.startsWith('ecl-comfort');
}
