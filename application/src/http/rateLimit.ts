/**
 * Token buckets per key (session or client address): `ratePerSec` sustained, `burst` at once. Memory is bounded:
 * full buckets are forgotten as they are no longer needed.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes a token; returns 0 if allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSec);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return Math.ceil(((1 - b.tokens) / this.ratePerSec) * 1000);
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep(now);
    return 0;
  }

  /** Returns a token taken for something that turned out not to count (a login that succeeded). */
  giveBack(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSec >= this.burst) this.buckets.delete(k);
  }
}

/**
 * Login attempts a client may make (token buckets; docs/API.md). Per id: 10 at once, then one every 5 s, so a
 * person who mistypes is not locked out but a guess list is slow. Per client address, whatever the id: 30 at
 * once, then one every 2 s, so spraying one password over many ids is as slow as guessing one id; a login that
 * succeeds gives its token back (an office of many people behind one address logs in freely).
 */
export const LOGIN_LIMITS = {
  perId: { perSec: 0.2, burst: 10 },
  perClient: { perSec: 0.5, burst: 30 },
} as const;
