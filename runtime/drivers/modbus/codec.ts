// Raw register words ⇄ values in engineering units, per point definition.
import type { Quality } from '../../readings.ts';
import { wordsOf, type PointDefinition } from '../../templates/template.ts';

export interface DecodedValue {
  value: number | null;
  quality: Quality;
}

/** Reads the point's raw integer from the words of a block that starts at `blockStart`. */
export function rawOf(point: PointDefinition, words: ArrayLike<number>, blockStart: number): number {
  const i = point.register - blockStart;
  const hi = words[i]! & 0xffff;
  switch (point.type) {
    case 'uint16':
      return hi;
    case 'int16':
      return hi >= 0x8000 ? hi - 0x10000 : hi;
    case 'uint32':
      return hi * 0x10000 + (words[i + 1]! & 0xffff);
    case 'int32': {
      const u = hi * 0x10000 + (words[i + 1]! & 0xffff);
      return u >= 0x80000000 ? u - 0x100000000 : u;
    }
  }
}

/** Scales and rounds away binary noise (0.1 × 3 = 0.30000000000000004) to the point's resolution. */
export function scaled(raw: number, scale: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(Math.abs(scale)) - 1e-9));
  const factor = 10 ** Math.min(decimals, 10);
  return Math.round(raw * scale * factor) / factor;
}

export function decodePoint(point: PointDefinition, words: ArrayLike<number>, blockStart: number): DecodedValue {
  const raw = rawOf(point, words, blockStart);
  if (point.sensorBreakRaw?.includes(raw)) return { value: null, quality: 'sensor-break' };
  return { value: scaled(raw, point.scale), quality: 'good' };
}

export class WriteRefused extends Error {
  readonly code: 'not_writable' | 'not_a_number' | 'out_of_range' | 'not_representable';
  constructor(code: WriteRefused['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Checks a value against the point's template and returns the raw words to write, or throws WriteRefused. */
export function encodeForWrite(point: PointDefinition, value: unknown): number[] {
  if (point.access !== 'rw') throw new WriteRefused('not_writable', `${point.key} is read-only`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WriteRefused('not_a_number', `${point.key} needs a number`);
  if ((point.min !== undefined && value < point.min) || (point.max !== undefined && value > point.max)) {
    throw new WriteRefused('out_of_range', `${point.key}: ${value} is outside ${point.min}..${point.max} ${point.unit}`.trim());
  }
  const raw = Math.round(value / point.scale);
  if (Math.abs(raw * point.scale - value) > Math.abs(point.scale) * 1e-6) {
    throw new WriteRefused('not_representable', `${point.key}: ${value} is not a multiple of ${point.scale}`);
  }
  const words = wordsOf(point.type);
  const limits = { int16: [-0x8000, 0x7fff], uint16: [0, 0xffff], int32: [-0x80000000, 0x7fffffff], uint32: [0, 0xffffffff] }[point.type];
  if (raw < limits[0]! || raw > limits[1]!) throw new WriteRefused('not_representable', `${point.key}: ${value} does not fit ${point.type}`);
  const unsigned = raw < 0 ? raw + (words === 1 ? 0x10000 : 0x100000000) : raw;
  return words === 1 ? [unsigned] : [Math.floor(unsigned / 0x10000), unsigned % 0x10000];
}
