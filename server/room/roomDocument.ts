import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { EMPTY_STATE_VECTOR, encodeSyncFrame, encodeSyncStep1, MalformedFrameError, SyncStep } from '../../lib/wire.ts'
import type { RemoteOrigin } from '../fanout/roomLink.ts'
import type { LiveDocument, StoredRoom } from '../storage/roomStore.ts'
import { changedDocument } from '../yjs/internals.ts'
import { SYNC_PART_BYTES, splitUpdate } from '../yjs/syncParts.ts'
import { applyReadUpdate, type ReadUpdate } from '../yjs/updateReader.ts'
import { DocumentSize } from './documentSize.ts'
import { DocumentTooLargeError, RoomUnavailableError } from './errors.ts'
import type { RoomPeer } from './peer.ts'
import { validateUpdate } from './validation.ts'

/** An edit the server makes itself (a restore of a version), named for the logs. */
export class ServerOrigin {
  constructor(readonly reason: string) {}
}

/** Who made a change: one of this instance's peers, another instance (see RoomLink), or the server itself. */
export type ChangeOrigin = RoomPeer | RemoteOrigin | ServerOrigin

/** What the room does with the document's events. */
export interface DocumentListener {
  /** The document changed; `update` holds the change (as the peer sent it, or as Yjs encodes it) to relay and store. */
  changed(update: Uint8Array, origin: ChangeOrigin): void
  /** The stored snapshot predates collection: rewrite it, now that the document is applied. */
  outdatedSnapshot(): void
  /** The stored updates cannot be applied; called once, before materialize throws the same error. */
  unreadable(error: RoomUnavailableError): void
  /** The stored updates were applied (once, before any change): the document as stored is readable. */
  applied(doc: Y.Doc): void
}

/** The longest a loaded room waits for its first answers to reach the kernel before applying its document. */
const MAX_APPLY_DELAY_MS = 1_000

/**
 * A room's Y.Doc and its lazy load: the stored parts are applied on first need (a loaded room
 * answers its first clients from the stored snapshot), the whole-document answer is encoded at
 * most once between two edits, and the document's size is followed from the moment it is applied.
 */
export class RoomDocument {
  /** The document, applied or not: only for the awareness, which takes nothing but its client id. */
  readonly ydoc = new Y.Doc()
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
  /** Stored updates not yet applied to the document (null once applied). */
  private unapplied: Uint8Array[] | null
  /** Peers whose sync step 1 (the server's state vector) waits for the document to be applied. */
  private step1Waiting: RoomPeer[] = []
  private step1Timer: NodeJS.Timeout | null = null
  /** The document's encoded size (server/room/documentSize.ts), followed from the moment it is applied. */
  private size: DocumentSize | null = null
  private destroyed = false

  constructor(
    private readonly roomId: string,
    stored: StoredRoom,
    /** The room's peers (a waiting step 1 is sent only to those still there). */
    private readonly peers: ReadonlySet<RoomPeer>,
    private readonly listener: DocumentListener,
  ) {
    this.storedCollected = stored.collected
    // Only a collected snapshot is sent as is: an older one carries every value ever overwritten.
    this.loadedSnapshot = stored.updates.length === 1 && stored.logLength === 0 && stored.collected ? stored.updates[0] : null
    this.unapplied = stored.updates
  }

  /** True when a stored snapshot can answer new clients before the document is applied. */
  get answersFromSnapshot(): boolean {
    return this.loadedSnapshot !== null
  }

  /** The document, with everything stored applied. */
  get doc(): Y.Doc {
    this.materialize()
    return this.ydoc
  }

  /**
   * Applies the stored updates, once, and starts following the document's size from its exact
   * encoded size. Throws RoomUnavailableError (after telling the listener) if they cannot be applied.
   */
  materialize(): void {
    const updates = this.unapplied
    if (updates === null) return
    this.unapplied = null
    try {
      Y.transact(this.ydoc, () => {
        for (const update of updates) Y.applyUpdate(this.ydoc, update)
      })
      this.loadedSnapshot ??= updates.length > 0 ? Y.encodeStateAsUpdate(this.ydoc) : null
      this.size = new DocumentSize(this.ydoc.getMap(BOARD_RECORDS_MAP), this.loadedSnapshot?.byteLength ?? 0)
      if (!this.storedCollected) this.listener.outdatedSnapshot()
    } catch (cause) {
      const error = new RoomUnavailableError(this.roomId, { cause })
      this.listener.unreadable(error)
      throw error
    }
    this.listener.applied(this.ydoc)
  }

  /**
   * Sends a joining peer the server's sync step 1. Right after a load it waits until the document
   * is applied, which waits until the answers already sent have reached the kernel (or MAX_APPLY_DELAY_MS).
   */
  startSync(peer: RoomPeer): void {
    if (this.unapplied === null) {
      peer.send(encodeSyncStep1(Y.encodeStateVector(this.ydoc)))
      return
    }
    this.step1Waiting.push(peer)
    if (!this.step1Timer) this.step1Timer = setTimeout(() => this.materializeWhenSent(performance.now()), 0)
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
      // The listener has closed every peer.
      return
    }
    for (const peer of waiting) this.startSync(peer)
  }

  /**
   * Answers a sync step 1: what the peer's state vector lacks, as sync step 2. A new client (empty
   * state vector) gets the whole document, encoded at most once between two edits (or the stored
   * snapshot as is, right after a load). A large answer goes in parts (server/yjs/syncParts.ts):
   * all but the last as sync updates, the last as the step 2, so the provider reports "synced"
   * only once it has everything. Throws MalformedFrameError for a state vector that does not decode.
   */
  sendMissing(peer: RoomPeer, stateVector: Uint8Array): void {
    try {
      Y.decodeStateVector(stateVector)
    } catch {
      throw new MalformedFrameError('malformed state vector')
    }
    const isNewClient = stateVector.byteLength === EMPTY_STATE_VECTOR.byteLength && stateVector[0] === EMPTY_STATE_VECTOR[0]
    const messages = isNewClient
      ? (this.wholeDocumentMessages ??= syncAnswer(this.encodeWhole()))
      : syncAnswer(Y.encodeStateAsUpdate(this.doc, stateVector))
    for (const message of messages) peer.send(message)
  }

  /** Whether the document already holds everything `update` carries (a view-only peer's step 2). Throws MalformedFrameError. */
  holds(update: Uint8Array): boolean {
    const doc = this.doc
    try {
      return Y.snapshotContainsUpdate(Y.snapshot(doc), update)
    } catch {
      throw new MalformedFrameError('malformed update')
    }
  }

  /**
   * Reads an edit and checks it before anything is applied: InvalidUpdateError (validation.ts) or
   * MalformedUpdateError for what it writes, DocumentTooLargeError if the document as it is (not
   * its history) would outgrow `maxBytes`; deleting always fits.
   */
  readEdit(update: Uint8Array, maxBytes: number): ReadUpdate {
    const doc = this.doc
    const read = validateUpdate(doc, update)
    if (!(this.size as DocumentSize).fits(doc, read, maxBytes)) throw new DocumentTooLargeError()
    return read
  }

  /**
   * Applies a peer's live update; the listener gets it as received. The document gets no 'update'
   * listener, so Yjs does not encode the change again: the bytes the peer sent (checked by
   * readEdit) are what every other peer and the store get.
   */
  applyAsReceived(read: ReadUpdate, origin: RoomPeer | ServerOrigin): void {
    let applied: Y.Transaction | null = null
    this.size?.applyingRead(read, () =>
      Y.transact(
        this.ydoc,
        (transaction) => {
          applied = transaction
          applyReadUpdate(this.ydoc, read, origin)
        },
        origin,
      ),
    )
    if (applied && changedDocument(applied, this.ydoc)) this.changed(read.bytes, origin)
  }

  /**
   * Applies an update; the listener gets only what it added to the document, as Yjs encodes it:
   * for a client's sync step 2 (which carries its whole delete set, and often nothing new) and
   * for updates from other instances.
   */
  applyChanges(update: Uint8Array | ReadUpdate, origin: ChangeOrigin): void {
    this.materialize()
    const changes: Uint8Array[] = []
    const collect = (change: Uint8Array) => changes.push(change)
    this.ydoc.on('update', collect)
    try {
      if (update instanceof Uint8Array) Y.applyUpdate(this.ydoc, update, origin)
      else this.size?.applyingRead(update, () => applyReadUpdate(this.ydoc, update, origin))
    } finally {
      this.ydoc.off('update', collect)
    }
    for (const change of changes) this.changed(change, origin)
  }

  private changed(update: Uint8Array, origin: ChangeOrigin): void {
    this.loadedSnapshot = null
    this.wholeDocumentMessages = null
    this.listener.changed(update, origin)
  }

  /** The whole document, encoded (applying the stored updates first encodes it once, and keeps that). */
  private encodeWhole(): Uint8Array {
    const doc = this.doc
    return this.loadedSnapshot ?? Y.encodeStateAsUpdate(doc)
  }

  /** The live document and its state, encoded now (for a compaction); its exact size replaces the running estimate. */
  readonly encodeLive = (): LiveDocument => {
    const state = Y.encodeStateAsUpdate(this.doc)
    this.size?.rebase(state.byteLength)
    return { doc: this.ydoc, state }
  }

  /** Stops the step-1 wait and releases the document. */
  destroy(): void {
    this.destroyed = true
    if (this.step1Timer) clearTimeout(this.step1Timer)
    this.step1Timer = null
    this.step1Waiting = []
    this.size?.destroy()
    this.ydoc.destroy()
  }
}

/**
 * The sync messages that carry an answer to a step 1: updates for all parts but the last, then
 * the step 2. encodeSyncFrame copies each (possibly multi-MB) part once.
 */
function syncAnswer(update: Uint8Array): Uint8Array[] {
  const parts = splitUpdate(update, SYNC_PART_BYTES)
  return parts.map((part, i) => encodeSyncFrame(i === parts.length - 1 ? SyncStep.step2 : SyncStep.update, part))
}
