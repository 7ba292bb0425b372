// The simulator's notion of time: real time plus an offset that tests (and the control API) can push
// forward with advance(ms). The thermal model is evaluated lazily against this clock, so advancing a
// day costs nothing until a register is read.

export interface SimClock {
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Moves simulated time forward (never back: meters only integrate forward). */
  advance(ms: number): void;
}

export interface SimClockOptions {
  /** Simulated epoch ms at creation; defaults to the real time. */
  start?: number;
  /** false = time stands still except through advance() (deterministic tests). Default true. */
  realTime?: boolean;
}

export function createSimClock(options: SimClockOptions = {}): SimClock {
  const realTime = options.realTime ?? true;
  const realStart = Date.now();
  let offset = (options.start ?? realStart) - (realTime ? realStart : 0);
  return {
    now: () => (realTime ? Date.now() : 0) + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance(ms) needs a finite, non-negative number');
      offset += ms;
    },
  };
}
