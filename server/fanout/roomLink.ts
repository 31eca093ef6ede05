import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { PresencePeer } from '../../lib/protocol.ts'
import { decodeFanoutMessage, encodeFanoutMessage, type FanoutMessage, type PubSub } from './pubSub.ts'

/** The origin of changes that came from another instance (not stored here, not published again). */
export class RemoteOrigin {
  constructor(
    readonly instance: string,
    readonly seq: number,
  ) {}
}

/** What the link needs from its room. */
export interface LinkedRoom {
  readonly id: string
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** Applies an update from another instance and relays it to this instance's sockets. */
  applyRemote(update: Uint8Array, origin: RemoteOrigin): void
  /** Stores updates another instance received but can no longer store (it died). */
  adoptUpdates(updates: Uint8Array[]): void
  /** Removes the awareness states a vanished instance's clients announced. */
  dropRemoteAwareness(instance: string): void
  /** Re-sends presence to the room's sockets after the set of remote peers changed. */
  broadcastPresence(): void
  readonly hasPendingWrites: boolean
}

interface RemoteInstance {
  peers: PresencePeer[]
  expiresAt: number
  /** Updates it published that it has not yet confirmed as stored. */
  unconfirmed: { seq: number; update: Uint8Array }[]
}

/**
 * A room's link to the same room on other instances: relays its own clients' updates,
 * awareness and presence, applies theirs, and exchanges state vectors on join and after a
 * broker outage so every instance converges.
 */
export class RoomLink {
  private readonly remotes = new Map<string, RemoteInstance>()
  private seq = 0
  private readonly channel: string

  constructor(
    private readonly room: LinkedRoom,
    private readonly pubsub: PubSub,
    /** A remote instance that sent nothing for this long is gone (two heartbeat intervals). */
    private readonly expiryMs: number,
  ) {
    this.channel = `room:${room.id}`
    pubsub.subscribe(this.channel, (data) => this.receive(data))
    this.requestState()
  }

  /** Asks the room's other instances for whatever this one lacks. */
  requestState(): void {
    this.send({ type: 'sync-request', stateVector: Y.encodeStateVector(this.room.doc) })
  }

  /** Publishes an update one of this instance's clients made; returns its sequence number. */
  publishUpdate(update: Uint8Array): number {
    this.seq++
    this.send({ type: 'update', seq: this.seq, update })
    return this.seq
  }

  /** The sequence number of the last update published so far (a stored batch covers up to it). */
  get lastSeq(): number {
    return this.seq
  }

  /** Tells the others that every update up to `seq` is stored. */
  confirmStored(seq: number): void {
    this.send({ type: 'persisted', seq })
  }

  publishAwareness(update: Uint8Array): void {
    this.send({ type: 'awareness', update })
  }

  publishPresence(peers: PresencePeer[]): void {
    this.send({ type: 'presence', peers })
  }

  /** Peers connected to the room through other instances. */
  remotePeers(): PresencePeer[] {
    return Array.from(this.remotes.values()).flatMap((remote) => remote.peers)
  }

  /** Forgets instances that went silent; the first live instance stores their unconfirmed updates. */
  pruneExpired(now = Date.now()): void {
    const gone = Array.from(this.remotes.entries()).filter(([, remote]) => remote.expiresAt <= now)
    if (gone.length === 0) return
    for (const [instance] of gone) this.remotes.delete(instance)
    const live = [this.pubsub.instanceId, ...this.remotes.keys()].sort()
    for (const [instance, remote] of gone) {
      if (live[0] === this.pubsub.instanceId && remote.unconfirmed.length > 0) {
        // One update: what it published overlaps (its answers to state exchanges repeat its edits).
        this.room.adoptUpdates([Y.mergeUpdates(remote.unconfirmed.map((entry) => entry.update))])
        // Counts as an update of ours: an answer sent before they are stored carries its number,
        // which only a write that starts after the adoption (and stores them) confirms.
        this.seq++
      }
      this.room.dropRemoteAwareness(instance)
    }
    this.room.broadcastPresence()
  }

  close(): void {
    this.send({ type: 'bye' })
    this.pubsub.unsubscribe(this.channel)
  }

  private send(message: FanoutMessage): void {
    this.pubsub.publish(this.channel, encodeFanoutMessage(this.pubsub.instanceId, message))
  }

  private remote(instance: string): RemoteInstance {
    let remote = this.remotes.get(instance)
    if (!remote) {
      remote = { peers: [], expiresAt: 0, unconfirmed: [] }
      this.remotes.set(instance, remote)
    }
    remote.expiresAt = Date.now() + this.expiryMs
    return remote
  }

  private receive(data: Uint8Array): void {
    const { from, message } = decodeFanoutMessage(data)
    if (from === this.pubsub.instanceId) return
    switch (message.type) {
      case 'update':
        this.applyRemote(from, message.seq, message.update)
        return
      case 'awareness':
        this.remote(from)
        awarenessProtocol.applyAwarenessUpdate(this.room.awareness, message.update, new RemoteOrigin(from, 0))
        return
      case 'sync-request': {
        this.remote(from)
        const update = Y.encodeStateAsUpdate(this.room.doc, message.stateVector)
        // No number of its own: what it holds of ours is stored once our updates so far are (the
        // write under way now confirms it), the rest is for the others to store.
        this.send({ type: 'sync-reply', to: from, seq: this.seq, update, stateVector: Y.encodeStateVector(this.room.doc) })
        // Nothing of ours is waiting for the database: what we sent is all stored already.
        if (!this.room.hasPendingWrites) this.confirmStored(this.seq)
        return
      }
      case 'sync-reply': {
        if (message.to !== this.pubsub.instanceId) return
        this.applyRemote(from, message.seq, message.update)
        // Send back what the replier lacks, so both sides end up equal.
        const missing = Y.encodeStateAsUpdate(this.room.doc, message.stateVector)
        if (missing.byteLength > 2) {
          // Numbered and confirmed as a reply is: it is no new edit of ours.
          this.send({ type: 'update', seq: this.seq, update: missing })
          if (!this.room.hasPendingWrites) this.confirmStored(this.seq)
        }
        return
      }
      case 'presence': {
        const remote = this.remote(from)
        const changed = JSON.stringify(remote.peers) !== JSON.stringify(message.peers)
        remote.peers = message.peers
        if (changed) this.room.broadcastPresence()
        return
      }
      case 'persisted': {
        const remote = this.remote(from)
        remote.unconfirmed = remote.unconfirmed.filter((entry) => entry.seq > message.seq)
        return
      }
      case 'bye': {
        // A graceful stop stores everything first: nothing to adopt.
        this.remotes.delete(from)
        this.room.dropRemoteAwareness(from)
        this.room.broadcastPresence()
        return
      }
    }
  }

  private applyRemote(from: string, seq: number, update: Uint8Array): void {
    const remote = this.remote(from)
    remote.unconfirmed.push({ seq, update })
    this.room.applyRemote(update, new RemoteOrigin(from, seq))
  }
}
