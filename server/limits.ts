/**
 * Abuse limits: a token bucket per socket for messages and bytes (per-IP windows are
 * lib/windowCounter.ts). Plain arithmetic on the hot path: no timers.
 */

/** Allows `ratePerSecond` on average and bursts of up to `burst`; refills continuously. */
export class TokenBucket {
  private tokens: number
  private last = performance.now()

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst
  }

  /** Takes `amount` tokens; false when the bucket is empty (sustained excess). */
  take(amount = 1): boolean {
    const now = performance.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
    if (this.tokens < amount) return false
    this.tokens -= amount
    return true
  }
}
