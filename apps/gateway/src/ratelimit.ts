/** Per-client-address token bucket for new connections; idle buckets are pruned so memory stays bounded. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(
    private ratePerSec: number,
    private burst: number,
  ) {}

  configure(ratePerSec: number, burst: number): void {
    this.ratePerSec = ratePerSec;
    this.burst = burst;
  }

  /** True when the client may open one more connection now. */
  take(key: string, now = Date.now()): boolean {
    if (this.ratePerSec <= 0) return true;
    const b = this.buckets.get(key) ?? { tokens: this.burst, last: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.ratePerSec);
    b.last = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.prune(now);
    return ok;
  }

  /** Drop buckets that have refilled completely (they behave like new ones). */
  prune(now = Date.now()): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.last) / 1000) * this.ratePerSec >= this.burst) this.buckets.delete(k);
    }
  }
}
