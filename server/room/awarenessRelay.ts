import type { ServerConfig } from '../../lib/config.ts'
import type * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import type { PeerIdentity } from '../../lib/protocol.ts'
import { encodeAwarenessFrame, MalformedFrameError, readAwarenessEntries, writeAwarenessEntries } from '../../lib/wire.ts'
import { RemoteOrigin, type RoomLink } from '../fanout/roomLink.ts'
import { AwarenessTooLargeError } from './errors.ts'
import type { RoomPeer } from './peer.ts'

/** The awareness settings of a room (RoomOptions' fields of the same names). */
/** The awareness settings (lib/config.ts). */
export type AwarenessLimits = Pick<ServerConfig, 'awarenessFlushMs' | 'awarenessMaxBytes' | 'awarenessMaxClients'>

/** What the relay needs of the room's link to other instances. */
export type AwarenessPublisher = Pick<RoomLink, 'publishAwareness'>

interface AwarenessChanges {
  added: number[]
  updated: number[]
  removed: number[]
}

/**
 * A room's awareness (cursors, selections): checks what peers announce, remembers which peer or
 * instance owns each client id, and relays the changes of each tick as one message, encoded once
 * for every peer and published to the room's other instances.
 */
export class AwarenessRelay {
  readonly awareness: Awareness
  /** Which peer (or other instance) announced each awareness client id: nobody else can overwrite it. */
  private readonly owners = new Map<number, RoomPeer | string>()
  private changed = new Set<number>()
  private senders = new Set<RoomPeer | null>()
  /** Client ids changed by this instance's own peers in the current tick (published to other instances). */
  private localChanged = new Set<number>()
  private timer: NodeJS.Timeout | null = null
  private destroyed = false

  constructor(
    doc: Y.Doc,
    private readonly peers: ReadonlySet<RoomPeer>,
    private readonly limits: AwarenessLimits,
    private readonly link: AwarenessPublisher | null,
  ) {
    this.awareness = new Awareness(doc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.noteChanges)
  }

  /** Sends a peer every awareness state the room holds (on join, and when it asks). */
  sendStates(peer: RoomPeer): void {
    const states = this.awareness.getStates()
    if (states.size > 0) peer.send(encodeAwarenessFrame(encodeAwarenessUpdate(this.awareness, Array.from(states.keys()))))
  }

  /**
   * Applies a peer's awareness update after checking it: states are capped in size and count
   * (AwarenessTooLargeError), a client id announced by another peer is left alone, and the
   * identity others see is the one from the peer's token, whatever the state claims. Throws
   * MalformedFrameError for an update that does not decode.
   */
  receive(peer: RoomPeer, update: Uint8Array): void {
    const entries = readAwarenessEntries(update)
    let kept = 0
    for (const entry of entries) {
      const owner = this.owners.get(entry.clientId)
      if (owner !== undefined && owner !== peer) continue
      if (owner === undefined && this.idsOf(peer).length >= this.limits.awarenessMaxClients) throw new AwarenessTooLargeError()
      if (entry.json.length > this.limits.awarenessMaxBytes) throw new AwarenessTooLargeError()
      let state: unknown
      try {
        state = JSON.parse(entry.json)
      } catch {
        throw new MalformedFrameError('malformed awareness state')
      }
      entry.json = JSON.stringify(withIdentity(state, peer.user))
      entries[kept++] = entry
    }
    if (kept === 0) return
    entries.length = kept
    applyAwarenessUpdate(this.awareness, writeAwarenessEntries(entries), peer)
  }

  /** Removes the states a leaving peer announced (no ghost cursors). */
  forget(peer: RoomPeer): void {
    const ids = this.idsOf(peer)
    if (ids.length > 0) removeAwarenessStates(this.awareness, ids, null)
  }

  /** Removes the cursors of a vanished instance's clients. */
  dropInstance(instance: string): void {
    const ids: number[] = []
    for (const [id, owner] of this.owners) if (owner === instance) ids.push(id)
    if (ids.length > 0) removeAwarenessStates(this.awareness, ids, null)
  }

  /**
   * The awareness client ids a peer announced (usually one), found by a scan of the owners
   * rather than kept per peer: it runs when a peer leaves or announces a new id, and an idle
   * socket then holds no set of its own.
   */
  private idsOf(peer: RoomPeer): number[] {
    const ids: number[] = []
    for (const [id, owner] of this.owners) if (owner === peer) ids.push(id)
    return ids
  }

  private noteChanges = ({ added, updated, removed }: AwarenessChanges, origin: unknown): void => {
    const sender = origin && this.peers.has(origin as RoomPeer) ? (origin as RoomPeer) : null
    if (sender) {
      for (const id of added.concat(updated)) {
        this.owners.set(id, sender)
        this.localChanged.add(id)
      }
    } else if (origin instanceof RemoteOrigin) {
      for (const id of added.concat(updated)) this.owners.set(id, origin.instance)
    }
    for (const id of removed) {
      const owner = this.owners.get(id)
      if (typeof owner === 'object') this.localChanged.add(id)
      this.owners.delete(id)
    }
    for (const id of added) this.changed.add(id)
    for (const id of updated) this.changed.add(id)
    for (const id of removed) this.changed.add(id)
    this.senders.add(sender)
    if (!this.timer && !this.destroyed) this.timer = setTimeout(this.flush, this.limits.awarenessFlushMs)
  }

  /** Relays the awareness changes of the last tick as one message, encoded once for every peer. */
  private flush = (): void => {
    this.timer = null
    const changed = Array.from(this.changed)
    // With a single sender in the tick, it need not hear its own state back.
    const only = this.senders.size === 1 ? this.senders.values().next().value : undefined
    this.changed.clear()
    this.senders.clear()
    if (this.link && this.localChanged.size > 0) {
      this.link.publishAwareness(encodeAwarenessUpdate(this.awareness, Array.from(this.localChanged)))
    }
    this.localChanged.clear()
    if (changed.length === 0 || this.peers.size === 0) return
    const message = encodeAwarenessFrame(encodeAwarenessUpdate(this.awareness, changed))
    for (const peer of this.peers) {
      if (peer !== only) peer.send(message)
    }
  }

  /** Stops the tick and releases the awareness. */
  destroy(): void {
    this.destroyed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.awareness.off('update', this.noteChanges)
    this.awareness.destroy()
  }
}

/** The state a peer announced, with the identity fields set from its verified token. */
function withIdentity(state: unknown, user: PeerIdentity): unknown {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return state
  const result: Record<string, unknown> = { ...state, user: { ...user } }
  const presence = result.presence
  if (typeof presence === 'object' && presence !== null && !Array.isArray(presence)) {
    result.presence = { ...presence, userId: user.id, userName: user.name, color: user.color }
  }
  return result
}
