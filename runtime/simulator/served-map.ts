// Which PNUs a simulated ECL serves for its application, and which raw values a write may carry.
// Built once per application from the register map and the ECL templates (the only sources of register
// facts) and shared by every controller with that application, so 10,000 controllers hold one layout
// and a small value array each.
import { ECL_REGISTERS, type EclRegister } from '../ecl/register-map.ts';
import { APPLICATION_PROFILES, type EclApplication } from '../ecl/applications.ts';
import { ECL_TEMPLATES } from '../ecl/ecl-templates.ts';

export interface ServedLayout {
  application: EclApplication;
  /** PNU → index into a controller's value array; absent = not served (a real gap). */
  index: Map<number, number>;
  pnus: readonly number[];
  registers: readonly EclRegister[];
  /** Per index: readable with FC03/FC04 (false for write-only PNUs such as 1 and 2097). */
  readable: Uint8Array;
  /** Per index: raw write range, or null when the PNU is read-only. */
  writeRange: readonly (WriteRange | null)[];
}

/** Raw (on-the-wire, signed for int16) values a write accepts. */
export interface WriteRange {
  min: number;
  max: number;
  /** Extra values outside [min, max] that mean OFF (e.g. 9 for anti-bacteria T). */
  also?: number[];
  /** When set, only these values (enumerated codes such as the baud codes 9/19/38). */
  only?: number[];
}

/** Circuits that exist per application: circuit 1 heats, circuit 2 (if any) is DHW. */
function circuitsOf(application: EclApplication): number[] {
  return APPLICATION_PROFILES[application].dhwCircuit ? [1, 2] : [1];
}

/**
 * Served or not. The rules follow the evidence in the map:
 * - circuits the application does not have are gaps (circuit 3 always; circuit 2 on A230);
 * - the DHW circuit has no heat curve or room setpoints (map note "only circuits that have a heat curve");
 * - entries whose only evidence is a guess (11176 parallel shift, 11254, triac manual 4020-4025,
 *   M-bus meters 2-5 offsets) are not served: we simulate one meter and no unverified registers;
 * - A237.1-only DHW parameters are served on A237 alone; the S2 circuit view only where S2 is used.
 */
function isServed(r: EclRegister, application: EclApplication): boolean {
  if (r.evidence === 'guess' && !(r.pnu >= 6001 && r.pnu <= 6002)) return false;
  if (r.circuit !== null && !circuitsOf(application).includes(r.circuit)) return false;
  if (r.circuit === 2 && APPLICATION_PROFILES[application].dhwCircuit === 2) {
    if (/heat_curve|room_T/.test(r.name)) return false;
    if (/\(A237\.1\)/.test(r.note ?? '') && application !== 'A237') return false;
  }
  if (r.pnu === 11202 && !APPLICATION_PROFILES[application].sensors[2]) return false;
  return true;
}

/** Template ranges (engineering units) → raw, for the template points of this application. */
function templateRanges(application: EclApplication): Map<number, WriteRange> {
  const out = new Map<number, WriteRange>();
  const template = ECL_TEMPLATES.find((t) => t.application === application);
  for (const p of template?.points ?? []) {
    if (p.access !== 'rw' || p.pnu === undefined || p.min === undefined || p.max === undefined) continue;
    out.set(p.pnu, { min: Math.round(p.min / p.scale), max: Math.round(p.max / p.scale) });
  }
  return out;
}

/**
 * Range from the map note where it is plain: "10-150", "-50..50", "0/1", enumerations such as
 * "0 auto, 1 off, 2 on" or "9=9600, 19=19200, 38=38400", "9 = OFF, 10-110". Otherwise the whole
 * register (0..65535, or −32768..32767 for int16). Notes give engineering units; scale to raw.
 */
export function rangeFromNote(r: EclRegister): WriteRange {
  const note = r.note ?? '';
  const toRaw = (v: number) => Math.round(v / r.scale);
  const off = /(?:^|[;,]\s*)(\d+)\s*=\s*OFF/i.exec(note);
  const plain = /(?:^|[\s(;,])(-?\d+)\s*(?:-|\.\.)\s*(-?\d+)(?![\d.])/.exec(note);
  if (plain) {
    const range: WriteRange = { min: toRaw(Number(plain[1])), max: toRaw(Number(plain[2])) };
    if (off && Number(off[1]) < Number(plain[1])) range.also = [toRaw(Number(off[1]))];
    return range;
  }
  if (/^0\/1\b/.test(note)) return { min: 0, max: 1 };
  const codes = [...note.matchAll(/(?:^|,\s*)(\d+)\s*(?:=\s*\S|[a-z])/g)].map((m) => Number(m[1]));
  if (codes.length >= 2) return { min: Math.min(...codes), max: Math.max(...codes), only: codes };
  return r.type === 'int16' ? { min: -32768, max: 32767 } : { min: 0, max: 65535 };
}

const layouts = new Map<EclApplication, ServedLayout>();

export function servedLayout(application: EclApplication): ServedLayout {
  const cached = layouts.get(application);
  if (cached) return cached;
  const ranges = templateRanges(application);
  const registers: EclRegister[] = [];
  for (const r of ECL_REGISTERS) {
    if (!isServed(r, application)) continue;
    registers.push(r);
    // uint32 values occupy the following PNU too; serve both words.
    if ((r.words ?? 1) === 2) registers.push({ ...r, name: `${r.name}_low`, pnu: r.pnu + 1, register: r.register + 1, words: 1 });
  }
  registers.sort((a, b) => a.pnu - b.pnu);
  const layout: ServedLayout = {
    application,
    index: new Map(registers.map((r, i) => [r.pnu, i])),
    pnus: registers.map((r) => r.pnu),
    registers,
    readable: Uint8Array.from(registers.map((r) => (r.function.includes('03') ? 1 : 0))),
    writeRange: registers.map((r) => (r.function.includes('06') ? (ranges.get(r.pnu) ?? rangeFromNote(r)) : null)),
  };
  layouts.set(application, layout);
  return layout;
}

export function acceptsRaw(range: WriteRange, raw: number): boolean {
  if (range.only) return range.only.includes(raw);
  return (raw >= range.min && raw <= range.max) || (range.also?.includes(raw) ?? false);
}
