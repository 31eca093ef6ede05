/**
 * Abuse limits: a token bucket per socket for messages and bytes, and per-IP windows for
 * new connections and auth failures. All plain arithmetic on the hot path: no timers.
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

/** Counts events per key in fixed windows; `prune()` drops keys whose window has passed. */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(private readonly windowMs: number) {}

  /** Records one event for `key` and returns the count in the current window. */
  add(key: string, now = Date.now()): number {
    const window = this.windows.get(key)
    if (!window || now - window.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 })
      return 1
    }
    return ++window.count
  }

  count(key: string, now = Date.now()): number {
    const window = this.windows.get(key)
    return window && now - window.start < this.windowMs ? window.count : 0
  }

  prune(now = Date.now()): void {
    for (const [key, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(key)
  }

  get size(): number {
    return this.windows.size
  }
}
