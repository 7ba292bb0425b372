// Reads a device's template points over its link: planned block reads, and when a block is refused
// because the controller does not serve one of its registers, point-by-point reads that find the gap.
// Registers found unserved are remembered, so later polls plan around them.
import type { Quality } from '../../readings.ts';
import type { PointDefinition } from '../../templates/template.ts';
import { planBlocks, type ReadBlock } from './block-planner.ts';
import { decodePoint } from './codec.ts';
import { LinkError, type ControllerLink } from './controller-link.ts';

export const ILLEGAL_DATA_ADDRESS = 2;

export interface PointReadResult {
  readings: Record<string, number | null>;
  quality: Record<string, Quality>;
  /** Set when the link itself failed (connect, timeout, closed): the device did not answer this poll. */
  linkError: LinkError | null;
  requests: number;
}

export class PointReader {
  private readonly link: ControllerLink;
  private readonly maxRegistersPerRead: number;
  private readonly unserved = new Set<string>();
  private plans = new Map<string, ReadBlock[]>();

  constructor(link: ControllerLink, maxRegistersPerRead: number) {
    this.link = link;
    this.maxRegistersPerRead = maxRegistersPerRead;
  }

  /** Points the controller refused to serve (exception 2), as "read:register". */
  get unservedRegisters(): string[] {
    return [...this.unserved];
  }

  async read(points: readonly PointDefinition[]): Promise<PointReadResult> {
    const result: PointReadResult = { readings: {}, quality: {}, linkError: null, requests: 0 };
    const blocks = this.plan(points);
    for (const block of blocks) {
      try {
        result.requests++;
        const words = await this.link.readRegisters(block.read, block.start, block.count);
        for (const point of block.points) this.put(result, point, decodePoint(point, words, block.start));
      } catch (err) {
        if (!(err instanceof LinkError)) throw err;
        if (err.kind === 'exception' && err.exceptionCode === ILLEGAL_DATA_ADDRESS && block.points.length > 1) {
          await this.readOneByOne(block, result);
          continue;
        }
        for (const point of block.points) this.put(result, point, { value: null, quality: 'comm-error' });
        if (err.kind !== 'exception') {
          // The controller is not answering: do not spend a timeout on every remaining block.
          result.linkError = err;
          for (const rest of blocks.slice(blocks.indexOf(block) + 1)) for (const p of rest.points) this.put(result, p, { value: null, quality: 'comm-error' });
          break;
        }
        if (err.exceptionCode === ILLEGAL_DATA_ADDRESS) this.markUnserved(block.points[0]!);
      }
    }
    for (const point of points) if (!(point.key in result.readings)) this.put(result, point, { value: null, quality: 'comm-error' });
    return result;
  }

  private async readOneByOne(block: ReadBlock, result: PointReadResult): Promise<void> {
    for (const point of block.points) {
      try {
        result.requests++;
        const words = await this.link.readRegisters(point.read, point.register, point.type.endsWith('32') ? 2 : 1);
        this.put(result, point, decodePoint(point, words, point.register));
      } catch (err) {
        if (!(err instanceof LinkError)) throw err;
        this.put(result, point, { value: null, quality: 'comm-error' });
        if (err.kind === 'exception' && err.exceptionCode === ILLEGAL_DATA_ADDRESS) this.markUnserved(point);
        else if (err.kind !== 'exception') {
          result.linkError = err;
          return;
        }
      }
    }
  }

  /** Plans are cached per point set: several loops (all points, live only, meter only) share one reader. */
  private plan(points: readonly PointDefinition[]): ReadBlock[] {
    let signature = '';
    for (const p of points) signature += p.key + ',';
    let blocks = this.plans.get(signature);
    if (!blocks) {
      blocks = planBlocks(points.filter((p) => !this.unserved.has(`${p.read}:${p.register}`)), this.maxRegistersPerRead);
      this.plans.set(signature, blocks);
    }
    return blocks;
  }

  private markUnserved(point: PointDefinition): void {
    this.unserved.add(`${point.read}:${point.register}`);
    this.plans = new Map(); // re-plan without it
  }

  private put(result: PointReadResult, point: PointDefinition, decoded: { value: number | null; quality: Quality }): void {
    result.readings[point.key] = decoded.value;
    result.quality[point.key] = decoded.quality;
  }
}
