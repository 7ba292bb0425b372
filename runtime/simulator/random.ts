// Deterministic randomness for the simulator. Everything that looks random (weather, sensor noise,
// device parameters) is a pure function of a seed and a time bucket, so the same seed and the same
// clock give the same readings whatever order or rate the registers are read in.

/** 32-bit integer hash (lowbias32 by Chris Wellons); good avalanche for cheap value noise. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform [0, 1) from a seed and an integer key. */
export function unit(seed: number, key: number): number {
  return hash32((hash32(seed >>> 0) ^ Math.imul(key | 0, 0x9e3779b1)) >>> 0) / 4294967296;
}

/** Smooth noise in [-1, 1]: values at bucket boundaries, cosine-interpolated in between. */
export function valueNoise(seed: number, t: number, bucketMs: number): number {
  const x = t / bucketMs;
  const k = Math.floor(x);
  const f = x - k;
  const a = unit(seed, k) * 2 - 1;
  const b = unit(seed, k + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}

/** Sequential PRNG (mulberry32) for one-off choices such as fleet layout and garbage bytes. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
