// Token buckets per caller (user or API token): a burst of `capacity` requests, then `refillPerSecond`.
// In memory on purpose: limits protect this process, and a restart forgives everyone.
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  now?: () => number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 300, refillPerSecond: 50 };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly refill: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    this.capacity = options.capacity;
    this.refill = options.refillPerSecond;
    this.now = options.now ?? Date.now;
  }

  /** Takes one request from `key`'s bucket; 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) this.sweep(t);
      this.buckets.set(key, (bucket = { tokens: this.capacity, at: t }));
    }
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((t - bucket.at) / 1000) * this.refill);
    bucket.at = t;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.refill) * 1000);
  }

  /** Forgets buckets that are full again (idle callers). */
  private sweep(t: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.refill >= this.capacity) this.buckets.delete(key);
  }
}
