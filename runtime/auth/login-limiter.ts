// Slows password guessing: after too many failed logins from one client address (or against one
// username) within the window, further attempts are refused until the window has passed.
export interface LoginLimiterOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor({ maxFailures, windowMs, now = Date.now }: LoginLimiterOptions) {
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Milliseconds until the next attempt is allowed for any of the keys; 0 when allowed now. */
  retryAfterMs(keys: string[]): number {
    const t = this.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, t);
      if (recent.length >= this.maxFailures) wait = Math.max(wait, recent[0]! + this.windowMs - t);
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    const t = this.now();
    for (const key of keys) this.failures.set(key, [...this.recent(key, t), t]);
    if (this.failures.size > 10_000) this.prune(t);
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private recent(key: string, t: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > t - this.windowMs);
  }

  private prune(t: number): void {
    for (const [key] of this.failures) if (this.recent(key, t).length === 0) this.failures.delete(key);
  }
}
