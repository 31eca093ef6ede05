import type { ServerConfig } from '../../lib/config.ts'
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { BOARD_RECORDS_MAP, isSchemaNewer, type PresenceMessage } from '../../lib/protocol.ts'
import { decodeFrame, encodeSyncUpdate, SyncStep } from '../../lib/wire.ts'
import type { PubSub } from '../fanout/pubSub.ts'
import { RemoteOrigin, RoomLink } from '../fanout/roomLink.ts'
import type { StoredRoom } from '../storage/roomStore.ts'
import { AwarenessRelay, type AwarenessLimits } from './awarenessRelay.ts'
import { ReadOnlyWriteError, type RoomUnavailableError } from './errors.ts'
import type { RoomPeer } from './peer.ts'
import { PersistQueue, type PersistOptions } from './persistQueue.ts'
import { RoomPresence } from './presence.ts'
import { RoomDocument, type ChangeOrigin, type ServerOrigin } from './roomDocument.ts'
import { SERVER_SCHEMA } from './validation.ts'
import { VersionKeeper, type VersionOptions } from './versionKeeper.ts'
import { NameMirror, type NameMirrorOptions } from './nameMirror.ts'

export type { RoomPeer } from './peer.ts'

export interface RoomOptions extends PersistOptions, VersionOptions, AwarenessLimits, Pick<ServerConfig, 'maxDocBytes' | 'heartbeatMs'> {
  /** The room's log, snapshot and versions, and its row's name. */
  store: PersistOptions['store'] & VersionOptions['store'] & NameMirrorOptions['store']
  /** Cross-instance fan-out (REDIS_URL); null when this instance is alone. */
  pubsub: PubSub | null
  /** Called when the last peer has left or a flush of an empty room finished: the registry may evict it. */
  onIdle: (room: Room) => void
  /** Called when the stored document cannot be applied: the registry drops the room at once, writing nothing. */
  onBroken: (room: Room) => void
}

/**
 * One board in memory. The room owns its peers (join, leave), dispatches their frames and
 * relays document changes to them, encoded once; its collaborators each keep one concern: the
 * document and its lazy load (RoomDocument), awareness (AwarenessRelay), presence
 * (RoomPresence), writes and `saved` acknowledgements (PersistQueue), automatic versions
 * (VersionKeeper) and, scaled out, the link to the same room on other instances (RoomLink). A bad frame throws a domain error
 * (./errors.ts, lib/wire.ts, ./validation.ts); the connection picks the close code.
 */
export class Room {
  readonly peers = new Set<RoomPeer>()
  /** The same room on other instances, when scaled out. */
  readonly link: RoomLink | null
  private readonly document: RoomDocument
  private readonly relay: AwarenessRelay
  private readonly roomPresence: RoomPresence
  private readonly writes: PersistQueue
  private readonly versions: VersionKeeper
  /** Mirrors the document record's name to the room's row (the app's board list). */
  private readonly names: NameMirror
  /** Set when the stored document turned out unreadable: the room serves nobody and writes nothing. */
  private unavailable: RoomUnavailableError | null = null
  private destroyed = false

  private constructor(
    readonly id: string,
    stored: StoredRoom,
    private readonly options: RoomOptions,
  ) {
    this.names = new NameMirror(id, options)
    this.document = new RoomDocument(id, stored, this.peers, {
      changed: (update, origin) => this.relayDocUpdate(update, origin),
      // After the constructor has linked the room: a scaled-out room must not pass its own document.
      outdatedSnapshot: () => queueMicrotask(() => void (this.destroyed || this.writes.rewriteSnapshot())),
      unreadable: (error) => this.breakDown(error),
      applied: (doc) => this.names.applied(doc.getMap(BOARD_RECORDS_MAP)),
    })
    // Without a stored snapshot to answer from there is nothing to gain by waiting; a room shared
    // with other instances exchanges state vectors as soon as it links.
    if (!this.document.answersFromSnapshot || options.pubsub) this.document.materialize()
    this.link = options.pubsub ? new RoomLink(this, options.pubsub, 2 * options.heartbeatMs) : null
    this.relay = new AwarenessRelay(this.document.ydoc, this.peers, options, this.link)
    this.roomPresence = new RoomPresence(this.peers, this.link)
    this.writes = new PersistQueue(id, stored.logLength, this.peers, options, this.link, {
      live: this.document.encodeLive,
      idle: () => this.options.onIdle(this),
    })
    this.versions = new VersionKeeper(id, options, {
      flush: () => this.writes.flush(),
      // Scaled out, another instance may have stored rows this one has not seen: the store rebuilds the state.
      live: this.link ? undefined : this.document.encodeLive,
      saved: () => this.writes.versionSaved(),
    })
  }

  /** A version of this room was saved outside its automatic versions (a named or before-restore one): editors are recorded afresh. */
  versionSaved(): void {
    this.writes.versionSaved()
  }

  /** Loads a room from the store. Throws if the store fails: nothing is written for a room that did not load. */
  static async load(id: string, options: RoomOptions): Promise<Room> {
    const stored = await options.store.load(id)
    if (stored.schema && isSchemaNewer(stored.schema, SERVER_SCHEMA)) {
      throw new Error(`room ${id} was written with a newer tldraw schema than this server reads`)
    }
    return new Room(id, stored, options)
  }

  /** The room's document, with everything stored applied. */
  get doc(): Y.Doc {
    return this.document.doc
  }

  get awareness(): Awareness {
    return this.relay.awareness
  }

  /** True while a write of this room's updates is failing and being retried. */
  get persistFailing(): boolean {
    return this.writes.failing
  }

  get hasPendingWrites(): boolean {
    return this.writes.hasPendingWrites
  }

  /** Adds a peer and starts the sync: the server's step 1 (see RoomDocument.startSync) and the current awareness states. */
  join(peer: RoomPeer): void {
    if (this.unavailable) {
      peer.end(this.unavailable)
      return
    }
    this.peers.add(peer)
    this.document.startSync(peer)
    this.relay.sendStates(peer)
    this.announcePresence()
  }

  /** Removes a peer, its awareness states (no ghost cursors) and tells the room. */
  leave(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return
    this.writes.forget(peer)
    this.relay.forget(peer)
    this.announcePresence()
    if (this.peers.size === 0) this.options.onIdle(this)
  }

  /**
   * Handles one binary frame from a peer. What the peer did wrong is thrown as a domain error
   * (MalformedFrameError, InvalidUpdateError, ReadOnlyWriteError, …); anything else thrown is
   * the server's own fault.
   */
  receive(peer: RoomPeer, message: Uint8Array): void {
    const frame = decodeFrame(message)
    switch (frame.type) {
      case 'sync':
        if (frame.step === SyncStep.step1) this.document.sendMissing(peer, frame.payload)
        else this.receiveUpdate(peer, frame.step, frame.payload)
        return
      case 'awareness':
        this.relay.receive(peer, frame.update)
        return
      case 'query-awareness':
        this.relay.sendStates(peer)
        return
    }
  }

  /** A sync step 2 or update: checked whole before anything is applied, then acknowledged. */
  private receiveUpdate(peer: RoomPeer, step: SyncStep, update: Uint8Array): void {
    if (peer.scope === 'view') {
      // A view-only peer's step 2 is normal as long as it carries nothing the room lacks.
      if (!this.document.holds(update)) throw new ReadOnlyWriteError()
      return
    }
    const read = this.document.readEdit(update, this.options.maxDocBytes)
    const count = this.writes.countUpdate(peer)
    if (step === SyncStep.update) this.document.applyAsReceived(read, peer)
    else this.document.applyChanges(read, peer)
    this.writes.acknowledge(peer, count)
  }

  /**
   * Applies an edit the server makes itself (a restore): read and checked exactly as a peer's edit
   * is (validation, MAX_DOC_BYTES), then relayed to every peer, published to the other instances
   * and stored. Throws the same domain errors as a peer's edit.
   */
  applyServerEdit(update: Uint8Array, origin: ServerOrigin): void {
    this.document.applyAsReceived(this.document.readEdit(update, this.options.maxDocBytes), origin)
  }

  /** Applies an update another instance relayed (see RoomLink): relayed to this instance's peers, stored there. */
  applyRemote(update: Uint8Array, origin: RemoteOrigin): void {
    this.document.applyChanges(update, origin)
  }

  /**
   * Relays a document change to every other peer (encoded once). A change from this instance's
   * own peers is queued for the store and published to the other instances; one from another
   * instance is stored there.
   */
  private relayDocUpdate(update: Uint8Array, origin: ChangeOrigin): void {
    const message = encodeSyncUpdate(update)
    for (const peer of this.peers) {
      if (peer !== origin) peer.send(message)
    }
    this.versions.changed()
    this.names.changed(this.document.ydoc.getMap(BOARD_RECORDS_MAP), !(origin instanceof RemoteOrigin))
    if (origin instanceof RemoteOrigin) return
    this.link?.publishUpdate(update)
    this.writes.add(update, origin)
  }

  /** Stores updates that another instance relayed but died before storing. */
  adoptUpdates(updates: Uint8Array[]): void {
    this.writes.adopt(updates)
  }

  /** Removes the cursors of a vanished instance's clients. */
  dropRemoteAwareness(instance: string): void {
    this.relay.dropInstance(instance)
  }

  /** The presence heartbeat: tells the other instances who is here, and every peer who is in the room. */
  announcePresence(): void {
    this.roomPresence.announce()
  }

  /** Sends every peer the room's authenticated identities, grouped by user, across instances. */
  broadcastPresence(): void {
    this.roomPresence.broadcast()
  }

  presence(): PresenceMessage {
    return this.roomPresence.message()
  }

  /** Writes the queued updates (see PersistQueue.flush) and a name waiting for its debounce now. */
  async flushPendingUpdates(): Promise<void> {
    await Promise.all([this.writes.flush(), this.names.flush()])
  }

  /** Folds a non-empty log into the snapshot (before eviction, so the next load reads one blob). */
  async compactIfLogged(): Promise<void> {
    if (!this.unavailable) await this.writes.compactIfLogged()
  }

  /** Saves an automatic version if the room changed since the last one (on eviction, after the final flush). */
  async saveVersionIfChanged(): Promise<void> {
    if (!this.unavailable) await this.versions.saveIfChanged()
  }

  /** At shutdown: no more automatic versions; resolves when one under way has finished. */
  stopVersions(): Promise<void> {
    return this.versions.stop()
  }

  /**
   * The stored document cannot be applied: every peer is closed (room unavailable) and the
   * registry drops the room without writing anything for it.
   */
  private breakDown(error: RoomUnavailableError): void {
    this.unavailable = error
    this.options.log.error({ room: this.id, err: error.cause }, 'stored document unreadable')
    this.options.onBroken(this)
    for (const peer of Array.from(this.peers)) peer.end(error)
  }

  /** Releases the doc, awareness and timers. Only for a room with no peers and nothing pending. */
  destroy(): void {
    this.destroyed = true
    this.link?.close()
    this.writes.destroy()
    this.names.destroy()
    void this.versions.stop()
    this.relay.destroy()
    this.document.destroy()
  }
}
