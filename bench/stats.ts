/** Small statistics helpers of the benchmark. */

export interface Percentiles {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** Nearest-rank percentiles of a sample; null when there is none. */
export function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] }
}

export function median(values: number[]): number {
  return percentiles(values)?.p50 ?? NaN
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The bench's one polling wait (vitest's vi.waitUntil, which the tests use, needs the test runner):
 * polls `done` every `everyMs` until it is true or `timeoutMs` passed; returns whether it became true.
 */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) return false
    await sleep(everyMs)
  }
  return true
}
