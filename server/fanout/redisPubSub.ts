import { randomBytes } from 'node:crypto'
import type { Redis, RedisOptions } from 'ioredis'
import type { PubSub } from './pubSub.ts'
import type { Logger } from '../log.ts'

/** Redis pub/sub: one connection publishes, one subscribes; both reconnect on their own. */
export class RedisPubSub implements PubSub {
  readonly instanceId = randomBytes(8).toString('hex')
  private readonly publisher: Redis
  private readonly subscriber: Redis
  private readonly handlers = new Map<string, (message: Uint8Array) => void>()
  private readonly reconnectListeners: (() => void)[] = []
  private connectedOnce = false
  private publisherConnectedOnce = false
  private resubscribing = false
  /** A connection came back after a loss and the rooms have not exchanged state since. */
  private exchangeDue = false

  /** Connects to Redis; ioredis is loaded here, so a server without REDIS_URL never loads it. */
  static async connect(url: string, prefix: string, log: Logger): Promise<RedisPubSub> {
    const { Redis } = await import('ioredis')
    const pubsub = new RedisPubSub((options) => new Redis(url, options), prefix, log)
    await pubsub.ready()
    return pubsub
  }

  private constructor(
    connect: (options: RedisOptions) => Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000)
    // No offline queue for publishing: a message that cannot go now is repaired by the state exchange later.
    this.publisher = connect({ enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: false })
    this.subscriber = connect({ retryStrategy, maxRetriesPerRequest: null })
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => this.log.warn({ err: error.message }, 'redis error'))
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.handlers.get(channel.toString())?.(new Uint8Array(message.buffer, message.byteOffset, message.byteLength))
    })
    this.subscriber.on('ready', () => {
      if (!this.connectedOnce) {
        this.connectedOnce = true
        return
      }
      // Make sure every channel is subscribed again before asking the others for what we missed.
      const channels = Array.from(this.handlers.keys())
      this.resubscribing = true
      const resubscribed = channels.length > 0 ? this.subscriber.subscribe(...channels) : Promise.resolve(0)
      resubscribed
        .then(() => {
          this.resubscribing = false
          this.exchangeDue = true
          this.exchangeWhenBothReady()
        })
        .catch((error: Error) => this.log.warn({ err: error.message }, 'resubscribe failed'))
    })
    this.publisher.on('ready', () => {
      if (!this.publisherConnectedOnce) {
        this.publisherConnectedOnce = true
        return
      }
      // Publishes were dropped while it was down: the others must be asked again.
      this.exchangeDue = true
      this.exchangeWhenBothReady()
    })
  }

  /**
   * Runs the state exchange once both connections are back: the two reconnect on their own
   * timers, and a request published while the publisher is still down would be dropped.
   */
  private exchangeWhenBothReady(): void {
    if (!this.exchangeDue || this.resubscribing || this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') return
    this.exchangeDue = false
    this.log.info({ rooms: this.handlers.size }, 'redis reconnected; exchanging room state')
    for (const listener of this.reconnectListeners) listener()
  }

  subscribe(channel: string, onMessage: (message: Uint8Array) => void): void {
    const key = this.prefix + channel
    this.handlers.set(key, onMessage)
    this.subscriber.subscribe(key).catch((error: Error) => this.log.warn({ err: error.message, channel }, 'subscribe failed'))
  }

  unsubscribe(channel: string): void {
    const key = this.prefix + channel
    this.handlers.delete(key)
    this.subscriber.unsubscribe(key).catch(() => undefined)
  }

  publish(channel: string, message: Uint8Array): void {
    if (this.publisher.status !== 'ready') return
    this.publisher.publish(this.prefix + channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)).catch(() => undefined)
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  /** Resolves once both connections are up (start-up only; later outages are tolerated). */
  private async ready(): Promise<void> {
    const up = (connection: Redis) =>
      connection.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => connection.once('ready', () => resolve()))
    await Promise.all([up(this.publisher), up(this.subscriber)])
  }

  async close(): Promise<void> {
    this.publisher.disconnect()
    this.subscriber.disconnect()
  }
}
