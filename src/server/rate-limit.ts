/**
 * Per-token rate limiting: one token bucket per key, refilled continuously.
 *
 * In memory and per process: a deployment behind several server processes gets
 * `processes x rate`. Buckets idle for longer than a full refill are dropped, so memory
 * stays bounded by the number of tokens active in the last few seconds.
 *
 * @packageDocumentation
 */

/** Rate limit settings. */
export interface RateLimitOptions {
  /** Sustained requests per second per token (`0` or `Infinity`: no limit). */
  perSecond: number;
  /** Bucket size: requests allowed in a burst. Default: `max(1, perSecond)`. */
  burst?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A set of token buckets keyed by token id. */
export class RateLimiter {
  readonly perSecond: number;
  readonly burst: number;
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perSecond = options.perSecond;
    this.burst = options.burst ?? Math.max(1, options.perSecond);
  }

  /** Whether limiting is on at all. */
  get enabled(): boolean {
    return this.perSecond > 0 && Number.isFinite(this.perSecond);
  }

  /**
   * Takes one request from `key`'s bucket. Returns 0 when allowed, else the number of
   * seconds (at least 1, rounded up) until a request would be allowed.
   */
  take(key: string): number {
    if (!this.enabled) return 0;
    const t = this.now();
    this.sweep(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /**
   * Like {@link take} without taking: 0 when `key` has a request left, else the seconds
   * (at least 1, rounded up) until it will.
   */
  wait(key: string): number {
    if (!this.enabled) return 0;
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.burst, b.tokens + ((this.now() - b.at) / 1000) * this.perSecond);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
  }

  private sweep(t: number): void {
    const full = (this.burst / this.perSecond) * 1000;
    if (t - this.lastSweep < Math.max(1000, full)) return;
    this.lastSweep = t;
    for (const [k, b] of this.buckets) if (t - b.at > full) this.buckets.delete(k);
  }
}
