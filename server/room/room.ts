import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { BOARD_RECORDS_MAP, Close, MessageType, isSchemaNewer, type CloseReason, type PeerIdentity, type PresenceMessage, type PresencePeer, type SavedMessage, type Scope } from '../../lib/protocol.ts'
import type { LiveDocument, RoomStore, StoredRoom } from '../storage/persistence.ts'
import { DocumentSize } from './documentSize.ts'
import { InvalidUpdateError, SERVER_SCHEMA, validateUpdate } from './validation.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../http/metrics.ts'
import type { PubSub } from '../fanout/pubSub.ts'
import { RemoteOrigin, RoomLink } from '../fanout/roomLink.ts'
import { SYNC_PART_BYTES, splitUpdate } from '../yjs/syncParts.ts'
import { applyReadUpdate, MalformedUpdateError, type ReadUpdate } from '../yjs/updateReader.ts'
import { changedDocument } from '../yjs/internals.ts'

/** A connection as the room sees it: the room never touches the socket library. */
export interface RoomPeer {
  readonly id: string
  readonly user: PeerIdentity
  readonly scope: Scope
  /** Bytes handed to the socket and not yet taken by the kernel. */
  readonly bufferedBytes: number
  send(data: Uint8Array | string): void
  /** Ends the peer's connection (the room calls it when its stored document turns out unreadable). */
  close(reason: CloseReason): void
}

/** An error that ends the sending connection with a documented close code. */
export class CloseError extends Error {
  constructor(readonly close: CloseReason) {
    super(close.reason)
  }
}

export interface RoomOptions {
  store: RoomStore
  persistIntervalMs: number
  compactAfterUpdates: number
  /** Awareness changes are gathered and relayed at most this often (cursors need no more than a display's refresh). */
  awarenessFlushMs: number
  maxDocBytes: number
  awarenessMaxBytes: number
  awarenessMaxClients: number
  metrics: Metrics
  log: Logger
  /** Cross-instance fan-out (REDIS_URL); null when this instance is alone. */
  pubsub: PubSub | null
  /** Presence of other instances expires after two of these. */
  heartbeatMs: number
  /** Called when the last peer has left or a flush of an empty room finished: the registry may evict it. */
  onIdle: (room: Room) => void
  /** Called when the stored document cannot be applied: the registry drops the room at once, writing nothing. */
  onBroken: (room: Room) => void
}

/** The longest a loaded room waits for its first answers to reach the kernel before applying its document. */
const MAX_APPLY_DELAY_MS = 1_000

const MAX_RETRY_DELAY_MS = 10_000

/**
 * One board in memory: its Y.Doc, awareness and peers. Applies and relays updates,
 * batches them to the store, and tells peers when their edits are saved.
 */
export class Room {
  private readonly ydoc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.ydoc)
  readonly peers = new Set<RoomPeer>()
  private pending: Uint8Array[] = []
  /** Peers with edits in the pending batch, and how many of their update frames it covers. */
  private pendingPeers = new Map<RoomPeer, number>()
  /** The same for the batch being written. */
  private flushingPeers: Map<RoomPeer, number> | null = null
  /** Update frames received from each edit peer (the `through` of its `saved` frames). */
  private readonly updateCounts = new Map<RoomPeer, number>()
  private flushTimer: NodeJS.Timeout | null = null
  private awarenessChanged = new Set<number>()
  private awarenessSenders = new Set<RoomPeer | null>()
  /** Awareness client ids changed by this instance's own peers in the current tick (published to other instances). */
  private awarenessLocalChanged = new Set<number>()
  private awarenessTimer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private failures = 0
  private logLength: number
  /**
   * The whole document's state, encoded, while no edit has changed it since: the stored snapshot
   * the room was loaded from (when it is a collected one and the log was empty), or the state
   * encoded when the stored parts were applied.
   */
  private loadedSnapshot: Uint8Array | null
  /** False when the stored snapshot predates collection: it is rewritten once the document is applied. */
  private readonly storedCollected: boolean
  /** The whole document as the sync messages a new client gets, while no edit has changed it since. */
  private wholeDocumentMessages: Uint8Array[] | null = null
  /**
   * Stored updates not yet applied to the document. A loaded room answers its first clients from
   * the stored snapshot and applies it afterwards (materialize), so the first sync of a large
   * board does not wait for the whole document to be built in memory.
   */
  private unapplied: Uint8Array[] | null
  /** Peers whose sync step 1 (the server's state vector) waits for the document to be applied. */
  private step1Waiting: RoomPeer[] = []
  private step1Timer: NodeJS.Timeout | null = null
  private broken = false
  /** The document's encoded size (server/room/documentSize.ts), followed from the moment it is applied. */
  private size: DocumentSize | null = null
  /** Which peer (or other instance) announced each awareness client id: nobody else can overwrite it. */
  private readonly awarenessOwners = new Map<number, RoomPeer | string>()
  private destroyed = false
  /** The same room on other instances, when scaled out. */
  readonly link: RoomLink | null

  private constructor(
    readonly id: string,
    stored: StoredRoom,
    private readonly options: RoomOptions,
  ) {
    this.logLength = stored.logLength
    this.storedCollected = stored.collected
    // Only a collected snapshot is sent as is: an older one carries every value ever overwritten.
    this.loadedSnapshot = stored.updates.length === 1 && stored.logLength === 0 && stored.collected ? stored.updates[0] : null
    this.unapplied = stored.updates
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.relayAwarenessUpdate)
    // Without a stored snapshot to answer from there is nothing to gain by waiting; a room shared
    // with other instances exchanges state vectors as soon as it links.
    if (!this.loadedSnapshot || options.pubsub) this.materialize()
    this.link = options.pubsub ? new RoomLink(this, options.pubsub, 2 * options.heartbeatMs) : null
  }

  /** Loads a room from the store. Throws if the store fails: nothing is written for a room that did not load. */
  static async load(id: string, options: RoomOptions): Promise<Room> {
    const stored = await options.store.load(id)
    if (stored.schema && isSchemaNewer(stored.schema, SERVER_SCHEMA)) {
      throw new Error(`room ${id} was written with a newer tldraw schema than this server reads`)
    }
    return new Room(id, stored, options)
  }

  /** True while a write of this room's updates is failing and being retried. */
  get persistFailing(): boolean {
    return this.failures > 0
  }

  get hasPendingWrites(): boolean {
    return this.pending.length > 0 || this.flushing !== null
  }

  /** The room's document, with everything stored applied. */
  get doc(): Y.Doc {
    this.materialize()
    return this.ydoc
  }

  /**
   * Applies the stored updates, once, and starts following the document's size from its exact
   * encoded size. A snapshot stored before collection is rewritten right after. If the stored
   * updates cannot be applied the room is broken: every peer is closed with 1011 and the
   * registry drops the room without writing anything for it.
   */
  private materialize(): void {
    const updates = this.unapplied
    if (updates === null) return
    this.unapplied = null
    try {
      Y.transact(this.ydoc, () => {
        for (const update of updates) Y.applyUpdate(this.ydoc, update)
      })
      this.loadedSnapshot ??= updates.length > 0 ? Y.encodeStateAsUpdate(this.ydoc) : null
      this.size = new DocumentSize(this.ydoc.getMap(BOARD_RECORDS_MAP), this.loadedSnapshot?.byteLength ?? 0)
      // After the constructor has linked the room: a scaled-out room must not pass its own document.
      if (!this.storedCollected) queueMicrotask(() => void (this.destroyed || this.compactLog(true)))
    } catch (error) {
      this.broken = true
      this.options.log.error({ room: this.id, err: error }, 'stored document unreadable')
      this.options.onBroken(this)
      for (const peer of Array.from(this.peers)) peer.close(Close.roomUnavailable)
      throw new CloseError(Close.roomUnavailable)
    }
  }

  /**
   * Adds a peer and starts the sync: the server's step 1 and the current awareness states. Right
   * after a load the step 1 waits until the document is applied, which waits until the answers
   * already sent have reached the kernel (or MAX_APPLY_DELAY_MS).
   */
  join(peer: RoomPeer): void {
    if (this.broken) {
      peer.close(Close.roomUnavailable)
      return
    }
    this.peers.add(peer)
    if (this.unapplied === null) this.sendSyncStep1(peer)
    else {
      this.step1Waiting.push(peer)
      if (!this.step1Timer) this.step1Timer = setTimeout(() => this.materializeWhenSent(performance.now()), 0)
    }
    const states = this.awareness.getStates()
    if (states.size > 0) peer.send(encodeAwareness(this.awareness, Array.from(states.keys())))
    this.announcePresence()
  }

  private sendSyncStep1(peer: RoomPeer): void {
    const sync = encoding.createEncoder()
    encoding.writeVarUint(sync, MessageType.sync)
    syncProtocol.writeSyncStep1(sync, this.ydoc)
    peer.send(encoding.toUint8Array(sync))
  }

  private materializeWhenSent(since: number): void {
    this.step1Timer = null
    if (this.destroyed) return
    const waiting = this.step1Waiting.filter((peer) => this.peers.has(peer))
    if (this.unapplied !== null && performance.now() - since < MAX_APPLY_DELAY_MS && waiting.some((peer) => peer.bufferedBytes > 0)) {
      this.step1Timer = setTimeout(() => this.materializeWhenSent(since), 2)
      return
    }
    this.step1Waiting = []
    try {
      this.materialize()
    } catch {
      return
    }
    for (const peer of waiting) this.sendSyncStep1(peer)
  }

  /**
   * The awareness client ids a peer announced (usually one), found by a scan of the room's
   * owners rather than kept per peer: it runs when a peer leaves or announces a new id, and
   * an idle socket then holds no set of its own.
   */
  private awarenessIdsOf(peer: RoomPeer): number[] {
    const ids: number[] = []
    for (const [id, owner] of this.awarenessOwners) if (owner === peer) ids.push(id)
    return ids
  }

  /** Removes a peer, its awareness states (no ghost cursors) and tells the room. */
  leave(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return
    this.pendingPeers.delete(peer)
    this.updateCounts.delete(peer)
    const ids = this.awarenessIdsOf(peer)
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null)
    this.announcePresence()
    if (this.peers.size === 0) this.options.onIdle(this)
  }

  /**
   * Handles one binary frame from a peer. Throws CloseError for frames that end the connection:
   * whatever fails while the frame is decoded is the client's (1002); anything thrown after that
   * is the server's own fault and propagates as is (the connection logs it and closes with 1011).
   */
  receive(peer: RoomPeer, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message)
    const type = decodedOrMalformed(() => decoding.readVarUint(decoder))
    switch (type) {
      case MessageType.sync:
        this.receiveSync(peer, decoder)
        return
      case MessageType.awareness:
        this.receiveAwareness(peer, decodedOrMalformed(() => decoding.readVarUint8Array(decoder)))
        return
      case MessageType.queryAwareness: {
        const states = this.awareness.getStates()
        if (states.size > 0) peer.send(encodeAwareness(this.awareness, Array.from(states.keys())))
        return
      }
      default:
        throw new CloseError(Close.malformed)
    }
  }

  private receiveSync(peer: RoomPeer, decoder: decoding.Decoder): void {
    const step = decodedOrMalformed(() => decoding.readVarUint(decoder))
    if (step === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decodedOrMalformed(() => {
        const bytes = decoding.readVarUint8Array(decoder)
        Y.decodeStateVector(bytes)
        return bytes
      })
      this.sendMissing(peer, stateVector)
      return
    }
    if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) {
      throw new CloseError(Close.malformed)
    }
    // Both paths below decode the whole update before anything is applied (a malformed one throws: 1002).
    const update = decodedOrMalformed(() => decoding.readVarUint8Array(decoder))
    const doc = this.doc
    if (peer.scope === 'view') {
      // A view-only peer's step 2 is normal as long as it carries nothing the room lacks.
      if (!decodedOrMalformed(() => Y.snapshotContainsUpdate(Y.snapshot(doc), update))) throw new CloseError(Close.readOnly)
      return
    }
    let read: ReadUpdate
    try {
      read = validateUpdate(doc, update)
    } catch (error) {
      if (error instanceof InvalidUpdateError) throw new CloseError({ code: 1007, reason: error.message })
      if (error instanceof MalformedUpdateError) throw new CloseError(Close.malformed)
      throw error
    }
    // The document as it is, not its history, must stay under the limit; deleting always fits.
    if (!(this.size as DocumentSize).fits(doc, read, this.options.maxDocBytes)) throw new CloseError(Close.docTooLarge)
    const count = (this.updateCounts.get(peer) ?? 0) + 1
    this.updateCounts.set(peer, count)
    if (step === syncProtocol.messageYjsUpdate) this.applyAsReceived(read, peer)
    else this.applyChanges(read, peer)
    // Acknowledge every update frame: with the batch that stores it, or at once if it changed nothing.
    if (this.pendingPeers.has(peer)) this.pendingPeers.set(peer, count)
    else if (this.flushingPeers?.has(peer)) this.flushingPeers.set(peer, count)
    else peer.send(savedFrame(count))
  }

  /**
   * Answers a sync step 1: what the peer's state vector lacks, as sync step 2. A new client (empty
   * state vector) gets the whole document, encoded at most once between two edits (or the stored
   * snapshot as is, right after a load). A large
   * answer goes in parts (server/yjs/syncParts.ts): all but the last as sync updates, the last as the
   * step 2, so the provider reports "synced" only once it has everything.
   */
  private sendMissing(peer: RoomPeer, stateVector: Uint8Array): void {
    const isNewClient = stateVector.byteLength === 1 && stateVector[0] === 0
    const messages = isNewClient
      ? (this.wholeDocumentMessages ??= syncAnswer(this.encodeWhole()))
      : syncAnswer(Y.encodeStateAsUpdate(this.doc, stateVector))
    for (const message of messages) peer.send(message)
  }

  /**
   * Applies a peer's awareness update after checking it: states are capped in size and count,
   * a client id announced by another peer is left alone, and the identity others see is the
   * one from the peer's token, whatever the state claims.
   */
  private receiveAwareness(peer: RoomPeer, update: Uint8Array): void {
    const decoder = decoding.createDecoder(update)
    const count = decodedOrMalformed(() => decoding.readVarUint(decoder))
    const encoder = encoding.createEncoder()
    let kept = 0
    const entries = encoding.createEncoder()
    for (let i = 0; i < count; i++) {
      const [clientId, clock, json] = decodedOrMalformed(() => [decoding.readVarUint(decoder), decoding.readVarUint(decoder), decoding.readVarString(decoder)] as const)
      const owner = this.awarenessOwners.get(clientId)
      if (owner !== undefined && owner !== peer) continue
      if (owner === undefined && this.awarenessIdsOf(peer).length >= this.options.awarenessMaxClients) throw new CloseError(Close.awarenessTooLarge)
      if (json.length > this.options.awarenessMaxBytes) throw new CloseError(Close.awarenessTooLarge)
      const state = decodedOrMalformed((): unknown => JSON.parse(json))
      encoding.writeVarUint(entries, clientId)
      encoding.writeVarUint(entries, clock)
      encoding.writeVarString(entries, JSON.stringify(withIdentity(state, peer.user)))
      kept++
    }
    if (kept === 0) return
    encoding.writeVarUint(encoder, kept)
    encoding.writeUint8Array(encoder, encoding.toUint8Array(entries))
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encoding.toUint8Array(encoder), peer)
  }

  /**
   * Applies a peer's live update and relays and stores it as received. The document gets no
   * 'update' listener, so Yjs does not encode the change again: the bytes the peer sent (checked
   * by validateUpdate) are what every other peer and the store get.
   */
  private applyAsReceived(read: ReadUpdate, peer: RoomPeer): void {
    let applied: Y.Transaction | null = null
    this.size?.applyingRead(read, () =>
      Y.transact(
        this.ydoc,
        (transaction) => {
          applied = transaction
          applyReadUpdate(this.ydoc, read, peer)
        },
        peer,
      ),
    )
    if (applied && changedDocument(applied, this.ydoc)) this.relayDocUpdate(read.bytes, peer)
  }

  /**
   * Applies an update and relays only what it added to the document, as Yjs encodes it: for a
   * client's sync step 2 (which carries its whole delete set, and often nothing new) and for
   * updates from other instances.
   */
  private applyChanges(update: Uint8Array | ReadUpdate, origin: RoomPeer | RemoteOrigin): void {
    const changes: Uint8Array[] = []
    const collect = (change: Uint8Array) => changes.push(change)
    this.ydoc.on('update', collect)
    try {
      if (update instanceof Uint8Array) Y.applyUpdate(this.ydoc, update, origin)
      else this.size?.applyingRead(update, () => applyReadUpdate(this.ydoc, update, origin))
    } finally {
      this.ydoc.off('update', collect)
    }
    for (const change of changes) this.relayDocUpdate(change, origin)
  }

  /** Applies an update another instance relayed (see RoomLink): relayed to this instance's peers, stored there. */
  applyRemote(update: Uint8Array, origin: RemoteOrigin): void {
    this.materialize()
    this.applyChanges(update, origin)
  }

  /**
   * Relays a document update to every other peer (encoded once). An update from this instance's
   * own peers is queued for the store and published to the other instances; one from another
   * instance is stored there.
   */
  private relayDocUpdate(update: Uint8Array, origin: RoomPeer | RemoteOrigin): void {
    this.loadedSnapshot = null
    this.wholeDocumentMessages = null
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.sync)
    syncProtocol.writeUpdate(encoder, update)
    const message = encoding.toUint8Array(encoder)
    for (const peer of this.peers) {
      if (peer !== origin) peer.send(message)
    }
    if (origin instanceof RemoteOrigin) return
    this.link?.publishUpdate(update)
    this.pending.push(update)
    if (this.peers.has(origin)) this.pendingPeers.set(origin, this.updateCounts.get(origin) ?? 0)
    this.scheduleFlush()
  }

  private relayAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const sender = origin && this.peers.has(origin as RoomPeer) ? (origin as RoomPeer) : null
    if (sender) {
      for (const id of added.concat(updated)) {
        this.awarenessOwners.set(id, sender)
        this.awarenessLocalChanged.add(id)
      }
    } else if (origin instanceof RemoteOrigin) {
      for (const id of added.concat(updated)) this.awarenessOwners.set(id, origin.instance)
    }
    for (const id of removed) {
      const owner = this.awarenessOwners.get(id)
      if (typeof owner === 'object') this.awarenessLocalChanged.add(id)
      this.awarenessOwners.delete(id)
    }
    for (const id of added) this.awarenessChanged.add(id)
    for (const id of updated) this.awarenessChanged.add(id)
    for (const id of removed) this.awarenessChanged.add(id)
    this.awarenessSenders.add(sender)
    if (!this.awarenessTimer && !this.destroyed) {
      this.awarenessTimer = setTimeout(this.flushAwareness, this.options.awarenessFlushMs)
    }
  }

  /** Relays the awareness changes of the last tick as one message, encoded once for every peer. */
  private flushAwareness = (): void => {
    this.awarenessTimer = null
    const changed = Array.from(this.awarenessChanged)
    // With a single sender in the tick, it need not hear its own state back.
    const only = this.awarenessSenders.size === 1 ? this.awarenessSenders.values().next().value : undefined
    this.awarenessChanged.clear()
    this.awarenessSenders.clear()
    if (this.link && this.awarenessLocalChanged.size > 0) {
      this.link.publishAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, Array.from(this.awarenessLocalChanged)))
    }
    this.awarenessLocalChanged.clear()
    if (changed.length === 0 || this.peers.size === 0) return
    const message = encodeAwareness(this.awareness, changed)
    for (const peer of this.peers) {
      if (peer !== only) peer.send(message)
    }
  }

  /** The presence heartbeat: tells the other instances who is here, and every peer who is in the room. */
  announcePresence(): void {
    if (this.link) {
      this.link.pruneExpired()
      this.link.publishPresence(groupByUser(this.localPeers()))
    }
    this.broadcastPresence()
  }

  /** Sends every peer the room's authenticated identities, grouped by user, across instances. */
  broadcastPresence(): void {
    if (this.peers.size === 0) return
    const message = JSON.stringify(this.presence())
    for (const peer of this.peers) peer.send(message)
  }

  presence(): PresenceMessage {
    const peers = this.localPeers()
    if (this.link) peers.push(...this.link.remotePeers())
    return { type: 'presence', peers: groupByUser(peers), at: Date.now() }
  }

  private localPeers(): PresencePeer[] {
    return Array.from(this.peers, (peer) => ({ ...peer.user, scope: peer.scope, connections: 1 }))
  }

  /** Stores updates that another instance relayed but died before storing. */
  adoptUpdates(updates: Uint8Array[]): void {
    this.pending.push(...updates)
    this.scheduleFlush()
  }

  /** Removes the cursors of a vanished instance's clients. */
  dropRemoteAwareness(instance: string): void {
    const ids = Array.from(this.awarenessOwners).filter(([, owner]) => owner === instance).map(([id]) => id)
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null)
  }

  /**
   * Flushes at the next multiple of the persist interval (or after a retry's back-off): every
   * room's timer falls on the same shared grid, so the store can write all rooms' batches in one
   * statement, and no update waits longer than one interval.
   */
  private scheduleFlush(backOffMs?: number): void {
    if (this.flushTimer || this.destroyed) return
    const interval = this.options.persistIntervalMs
    const delay = backOffMs ?? interval - (Date.now() % interval)
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null
      void this.flushPendingUpdates()
    }, delay)
  }

  /**
   * Writes the queued updates to the log (one batch, one row per update), then tells the peers
   * whose edits it held. On failure the updates stay queued and the write is retried with back-off.
   */
  flushPendingUpdates(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending.length > 0 ? this.flushPendingUpdates() : undefined))
    if (this.pending.length === 0) return Promise.resolve()
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = null
    }
    const batch = this.pending
    const peers = this.pendingPeers
    const publishedSeq = this.link?.lastSeq ?? 0
    this.pending = []
    this.pendingPeers = new Map()
    this.flushingPeers = peers
    this.flushing = this.writeBatch(batch, peers, publishedSeq).finally(() => {
      this.flushing = null
      this.flushingPeers = null
    })
    return this.flushing
  }

  private async writeBatch(batch: Uint8Array[], peers: Map<RoomPeer, number>, publishedSeq: number): Promise<void> {
    const { store, metrics, log } = this.options
    const started = performance.now()
    try {
      await store.append(this.id, batch)
    } catch (error) {
      this.failures++
      metrics.persistFailures.inc()
      this.pending = batch.concat(this.pending)
      for (const [peer, count] of peers) {
        if (this.peers.has(peer)) this.pendingPeers.set(peer, Math.max(count, this.pendingPeers.get(peer) ?? 0))
      }
      const delay = Math.min(this.options.persistIntervalMs * 2 ** this.failures, MAX_RETRY_DELAY_MS)
      log.error({ room: this.id, err: error, attempt: this.failures, retryInMs: delay }, 'persist failed; will retry')
      this.scheduleFlush(delay)
      return
    }
    metrics.persistBatchSeconds.observe((performance.now() - started) / 1000)
    if (this.failures > 0) log.info({ room: this.id }, 'persist recovered')
    this.failures = 0
    this.logLength++
    this.link?.confirmStored(publishedSeq)
    for (const [peer, count] of peers) if (this.peers.has(peer)) peer.send(savedFrame(count))
    if (this.logLength > this.options.compactAfterUpdates) await this.compactLog()
    if (this.pending.length > 0) this.scheduleFlush()
    else if (this.peers.size === 0) queueMicrotask(() => this.options.onIdle(this))
  }

  /** Folds a non-empty log into the snapshot (before eviction, so the next load reads one blob). */
  async compactIfLogged(): Promise<void> {
    if (this.logLength > 0 && !this.broken) await this.compactLog()
  }

  /**
   * Folds the log into the collected snapshot. On a single instance the store takes this room's
   * live document as the state (it holds everything stored); scaled out, another instance may
   * have stored rows this one has not seen yet, so the store rebuilds the state from its rows.
   */
  private async compactLog(rewrite = false): Promise<void> {
    // Batches stored while the compaction runs stay in the log, and count towards the next one.
    const folded = this.logLength
    try {
      await this.options.store.compact(this.id, { live: this.link ? undefined : this.encodeLive, rewrite })
      this.logLength -= folded
      this.options.metrics.compactions.inc()
    } catch (error) {
      // The log stays valid; compaction is tried again after the next batch.
      this.options.log.warn({ room: this.id, err: error }, 'compaction failed')
    }
  }

  /** The whole document, encoded (applying the stored updates first encodes it once, and keeps that). */
  private encodeWhole(): Uint8Array {
    const doc = this.doc
    return this.loadedSnapshot ?? Y.encodeStateAsUpdate(doc)
  }

  /** The live document and its state, encoded now; its exact size replaces the running estimate. */
  private encodeLive = (): LiveDocument => {
    const state = Y.encodeStateAsUpdate(this.doc)
    this.size?.rebase(state.byteLength)
    return { doc: this.ydoc, state }
  }

  /** Releases the doc, awareness and timers. Only for a room with no peers and nothing pending. */
  destroy(): void {
    this.destroyed = true
    this.link?.close()
    if (this.flushTimer) clearTimeout(this.flushTimer)
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer)
    if (this.step1Timer) clearTimeout(this.step1Timer)
    this.flushTimer = null
    this.awarenessTimer = null
    this.step1Timer = null
    this.step1Waiting = []
    this.awareness.off('update', this.relayAwarenessUpdate)
    this.awareness.destroy()
    this.size?.destroy()
    this.ydoc.destroy()
  }
}

/** Runs a step that decodes client input: whatever it throws means the frame is malformed (1002). */
function decodedOrMalformed<T>(decode: () => T): T {
  try {
    return decode()
  } catch {
    throw new CloseError(Close.malformed)
  }
}

/** The sync messages that carry an answer to a step 1: updates for all parts but the last, then the step 2. */
function syncAnswer(update: Uint8Array): Uint8Array[] {
  const parts = splitUpdate(update, SYNC_PART_BYTES)
  return parts.map((part, i) => {
    const header = encoding.createEncoder()
    encoding.writeVarUint(header, MessageType.sync)
    encoding.writeVarUint(header, i === parts.length - 1 ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate)
    encoding.writeVarUint(header, part.byteLength)
    // One native copy: lib0's encoder copies a multi-MB part through its growing buffers.
    return Buffer.concat([encoding.toUint8Array(header), part])
  })
}

function savedFrame(through: number): string {
  const saved: SavedMessage = { type: 'saved', at: Date.now(), through }
  return JSON.stringify(saved)
}

/** One entry per user: a user with several sockets (tabs, instances) counts them; edit wins over view. */
function groupByUser(peers: PresencePeer[]): PresencePeer[] {
  const byUser = new Map<string, PresencePeer>()
  for (const peer of peers) {
    const known = byUser.get(peer.id)
    if (known) {
      known.connections += peer.connections
      if (peer.scope === 'edit') known.scope = 'edit'
    } else {
      byUser.set(peer.id, { ...peer })
    }
  }
  return Array.from(byUser.values())
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

function encodeAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.awareness)
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}
