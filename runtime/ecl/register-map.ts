// The ECL Comfort 210/296/310 register map (ecl-register-map.json beside this file, copied from the
// domain research with its sources). Register = PNU - 1; FC03 and FC04 read the same table.
import { createRequire } from 'node:module';

export interface EclRegister {
  name: string;
  pnu: number;
  register: number;
  /** "03,04" read-only, "03,04,06" read/write, "06" write-only. */
  function: string;
  type: 'int16' | 'uint16' | 'uint32';
  scale: number;
  unit: string;
  access: 'r' | 'rw';
  circuit: number | null;
  confirmed: boolean;
  evidence: string;
  words?: number;
  note?: string;
}

export const ECL_REGISTERS: readonly EclRegister[] = createRequire(import.meta.url)('./ecl-register-map.json') as EclRegister[];

const byPnu = new Map(ECL_REGISTERS.map((r) => [r.pnu, r]));

export function eclRegister(pnu: number): EclRegister {
  const entry = byPnu.get(pnu);
  if (!entry) throw new Error(`PNU ${pnu} is not in the ECL register map`);
  return entry;
}

/** Raw sensor value meaning "not connected" (192.00 °C). */
export const SENSOR_NOT_CONNECTED = 19200;

/** Modbus limits of the ECL (communication description p25-26). */
export const ECL_MAX_REGISTERS_PER_READ = 123;
