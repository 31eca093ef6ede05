/**
 * Counts events per key (a client IP) in fixed windows: the per-IP limits of the sync server and
 * of the app's route handlers. `prune()` drops keys whose window has passed.
 */
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
