/**
 * Abuse limits: per-socket token buckets for messages and bytes (per-IP windows are
 * lib/windowCounter.ts). Plain arithmetic on the hot path: no timers.
 */
import type { ServerConfig } from '../../lib/config.ts'

/** The per-socket rates (lib/config.ts), shared by every socket of a server. */
export type RateLimits = Pick<ServerConfig, 'rateMessagesPerSec' | 'rateBytesPerSec' | 'maxMessageBytes'>

const messageBurst = (limits: RateLimits) => 2 * limits.rateMessagesPerSec
const byteBurst = (limits: RateLimits) => Math.max(2 * limits.rateBytesPerSec, limits.maxMessageBytes)

/**
 * A socket's two token buckets, messages and bytes, in one small object with one clock: each
 * allows its rate on average and bursts of twice the rate, refilling continuously. The limits
 * are passed in, not kept, so an idle socket holds three numbers.
 */
export class RateBudget {
  private messages: number
  private bytes: number
  private last = performance.now()

  constructor(limits: RateLimits) {
    this.messages = messageBurst(limits)
    this.bytes = byteBurst(limits)
  }

  /** Takes one message of `bytes`; false when either bucket is empty (sustained excess). */
  take(bytes: number, limits: RateLimits): boolean {
    const now = performance.now()
    const seconds = (now - this.last) / 1000
    this.last = now
    this.messages = Math.min(messageBurst(limits), this.messages + seconds * limits.rateMessagesPerSec)
    this.bytes = Math.min(byteBurst(limits), this.bytes + seconds * limits.rateBytesPerSec)
    if (this.messages < 1 || this.bytes < bytes) return false
    this.messages -= 1
    this.bytes -= bytes
    return true
  }
}
