import type { PubSub } from './pubSub.ts'

/** Which of an instance's two broker connections (as RedisPubSub has them) an outage takes down. */
export type MemoryConnection = 'publisher' | 'subscriber' | 'both'

/**
 * An in-process broker shared by several `MemoryPubSub`s, one per simulated instance. Like Redis
 * pub/sub it delivers every message later (setImmediate, in publish order), to every subscriber
 * of the channel including the publisher itself, and keeps nothing for a subscriber that is down.
 */
export class MemoryBroker {
  private readonly members = new Set<MemoryPubSub>()
  private inFlight = 0
  private drainWaiters: (() => void)[] = []

  /** A new instance's pub/sub, connected. `instanceId` fixes the election order in tests. */
  connect(instanceId: string): MemoryPubSub {
    const pubsub = new MemoryPubSub(instanceId, this)
    this.members.add(pubsub)
    return pubsub
  }

  /** Resolves once no message is waiting for delivery (messages published while delivering included). */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  /** Called by a member: schedules the message for every subscriber of the channel. */
  route(channel: string, message: Uint8Array): void {
    for (const member of this.members) {
      this.inFlight++
      // Each subscriber gets its own copy, as it would from a socket.
      const copy = message.slice()
      setImmediate(() => {
        try {
          member.deliver(channel, copy)
        } finally {
          this.inFlight--
          if (this.inFlight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve()
        }
      })
    }
  }

  leave(pubsub: MemoryPubSub): void {
    this.members.delete(pubsub)
  }
}

/**
 * The in-memory `PubSub`: what RedisPubSub does, on a `MemoryBroker`, with controls to take the
 * instance's connections down and bring them back. While the publisher is down publishes are
 * dropped; while the subscriber is down messages for it are dropped (also those already on their
 * way). Once both are back after an outage the reconnect listeners run, as RedisPubSub runs them.
 */
export class MemoryPubSub implements PubSub {
  private readonly handlers = new Map<string, (message: Uint8Array) => void>()
  private readonly reconnectListeners: (() => void)[] = []
  private publisherUp = true
  private subscriberUp = true
  private exchangeDue = false
  private closed = false

  constructor(
    readonly instanceId: string,
    private readonly broker: MemoryBroker,
  ) {}

  get connected(): boolean {
    return this.publisherUp && this.subscriberUp
  }

  subscribe(channel: string, onMessage: (message: Uint8Array) => void): void {
    this.handlers.set(channel, onMessage)
  }

  unsubscribe(channel: string): void {
    this.handlers.delete(channel)
  }

  publish(channel: string, message: Uint8Array): void {
    if (!this.publisherUp || this.closed) return
    this.broker.route(channel, message)
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  /** Takes a connection down (the broker restarted, the network split). */
  disconnect(connection: MemoryConnection = 'both'): void {
    if (connection !== 'subscriber') this.publisherUp = false
    if (connection !== 'publisher') this.subscriberUp = false
    this.exchangeDue = true
  }

  /**
   * Brings a connection back. Once both are up after an outage the reconnect listeners run, on a
   * later turn (RedisPubSub runs them after resubscribing), unless a connection went down again.
   */
  reconnect(connection: MemoryConnection = 'both'): void {
    if (this.closed) return
    if (connection !== 'subscriber') this.publisherUp = true
    if (connection !== 'publisher') this.subscriberUp = true
    if (!this.exchangeDue || !this.connected) return
    this.exchangeDue = false
    setImmediate(() => {
      if (this.closed || !this.connected) {
        this.exchangeDue = true
        return
      }
      for (const listener of this.reconnectListeners) listener()
    })
  }

  /** Called by the broker. */
  deliver(channel: string, message: Uint8Array): void {
    if (!this.subscriberUp || this.closed) return
    this.handlers.get(channel)?.(message)
  }

  async close(): Promise<void> {
    this.closed = true
    this.handlers.clear()
    this.broker.leave(this)
  }
}
