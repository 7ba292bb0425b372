// Plans block reads for a device's points. A block covers only registers the template names, because
// a read that spans a register the controller does not serve fails whole (ECL: exception 2); blocks
// never exceed the device's registers-per-read limit.
import { wordsOf, type PointDefinition, type ReadFunction } from '../../templates/template.ts';

export interface ReadBlock {
  read: ReadFunction;
  start: number;
  count: number;
  points: PointDefinition[];
}

export function planBlocks(points: readonly PointDefinition[], maxRegistersPerRead: number): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  const sorted = [...points].sort((a, b) => (a.read === b.read ? a.register - b.register : a.read < b.read ? -1 : 1));
  let current: ReadBlock | null = null;
  for (const point of sorted) {
    const words = wordsOf(point.type);
    const end = current ? current.start + current.count : -1;
    if (current && current.read === point.read && point.register < end) {
      // Two keys on one register (e.g. a mask and a bit): extend only if it reaches further.
      current.count = Math.max(current.count, point.register + words - current.start);
      current.points.push(point);
      continue;
    }
    if (current && current.read === point.read && point.register === end && current.count + words <= maxRegistersPerRead) {
      current.count += words;
      current.points.push(point);
      continue;
    }
    current = { read: point.read, start: point.register, count: words, points: [point] };
    blocks.push(current);
  }
  return blocks;
}
