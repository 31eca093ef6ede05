import type { ServerConfig } from '../../lib/config.ts'
import type { PeerIdentity, SavedMessage } from '../../lib/protocol.ts'
import type { VersionAuthor } from '../../lib/versions.ts'
import type { RoomLink } from '../fanout/roomLink.ts'
import type { Metrics } from '../http/metrics.ts'
import type { Logger } from '../log.ts'
import type { LiveDocument, RoomStore, VersionStore } from '../storage/roomStore.ts'
import type { RoomPeer } from './peer.ts'
import { ServerOrigin } from './roomDocument.ts'

/** The persistence settings of a room (RoomOptions' fields of the same names). */
export interface PersistOptions extends Pick<ServerConfig, 'persistIntervalMs' | 'compactAfterUpdates'> {
  /** The room's log and snapshot, and where the editors of each stored batch are recorded (version authors). */
  store: RoomStore & Pick<VersionStore, 'recordEditors'>
  metrics: Metrics
  log: Logger
}

/** What the queue needs from its room besides the store. */
export interface PersistHooks {
  /** The room's live document, encoded now (a compaction on a single instance stores it as is). */
  live: () => LiveDocument
  /** A write finished with nothing left to write and no peer in the room: the registry may evict it. */
  idle: () => void
}

/** What the queue needs of the room's link to other instances: stored updates are confirmed to them. */
export type StoredConfirmation = Pick<RoomLink, 'lastSeq' | 'confirmStored'>

const MAX_RETRY_DELAY_MS = 10_000

/**
 * A user editing a room is recorded as its editor at most this often (and again after each
 * version). Scaled out, a version saved by another instance does not reset this instance's
 * record: a user whose only edits fall within this interval after it is missed as an author.
 */
export const EDITOR_RECORD_INTERVAL_MS = 30_000

/**
 * A room's writes: batches its updates to the store's log on the shared persist-interval grid,
 * retries a failed write with back-off (the updates stay queued, in order), tells each peer when
 * its edits are stored (`saved`), records who edited (the authors of the next version), and
 * folds the log into the snapshot once it grows long.
 */
export class PersistQueue {
  private pending: Uint8Array[] = []
  /** Peers with edits in the pending batch, and how many of their update frames it covers. */
  private pendingPeers = new Map<RoomPeer, number>()
  /**
   * Who made the pending batch's edits (their token's identity), recorded once the batch is stored.
   * Updates adopted from a dead instance have no known author.
   */
  private pendingAuthors = new Set<PeerIdentity>()
  /** When each user was last recorded as an editor of this room (see recordAuthors). */
  private readonly recordedAt = new Map<string, number>()
  /** The same for the batch being written. */
  private flushingPeers: Map<RoomPeer, number> | null = null
  /** Update frames received from each edit peer (the `through` of its `saved` frames). */
  private readonly updateCounts = new Map<RoomPeer, number>()
  private flushTimer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private failures = 0
  private destroyed = false

  constructor(
    private readonly roomId: string,
    /** Log rows not yet folded into the snapshot. */
    private logLength: number,
    private readonly peers: ReadonlySet<RoomPeer>,
    private readonly options: PersistOptions,
    private readonly link: StoredConfirmation | null,
    private readonly hooks: PersistHooks,
  ) {}

  /** True while a write is failing and being retried. */
  get failing(): boolean {
    return this.failures > 0
  }

  get hasPendingWrites(): boolean {
    return this.pending.length > 0 || this.flushing !== null
  }

  /** Counts an update frame from an edit peer; returns its number (what its `saved` frame will say). */
  countUpdate(peer: RoomPeer): number {
    const count = (this.updateCounts.get(peer) ?? 0) + 1
    this.updateCounts.set(peer, count)
    return count
  }

  /** Queues a change made on this instance (by one of its peers, or by the server itself), for the next batch. */
  add(update: Uint8Array, origin: RoomPeer | ServerOrigin): void {
    this.pending.push(update)
    if (!(origin instanceof ServerOrigin) && this.peers.has(origin)) {
      this.pendingPeers.set(origin, this.updateCounts.get(origin) ?? 0)
      this.pendingAuthors.add(origin.user)
    }
    this.scheduleFlush()
  }

  /** Acknowledges a peer's update frame number `count`: with the batch that stores it, or at once if it changed nothing. */
  acknowledge(peer: RoomPeer, count: number): void {
    if (this.pendingPeers.has(peer)) this.pendingPeers.set(peer, count)
    else if (this.flushingPeers?.has(peer)) this.flushingPeers.set(peer, count)
    else peer.send(savedFrame(count))
  }

  /** Forgets a peer that left (its edits are still written, but nobody is told). */
  forget(peer: RoomPeer): void {
    this.pendingPeers.delete(peer)
    this.updateCounts.delete(peer)
  }

  /** Stores updates that another instance relayed but died before storing. */
  adopt(updates: Uint8Array[]): void {
    this.pending.push(...updates)
    this.scheduleFlush()
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
      void this.flush()
    }, delay)
  }

  /**
   * Writes the queued updates to the log (one batch, one row per update), then tells the peers
   * whose edits it held. On failure the updates stay queued and the write is retried with back-off.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending.length > 0 ? this.flush() : undefined))
    if (this.pending.length === 0) return Promise.resolve()
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = null
    }
    const batch = this.pending
    const peers = this.pendingPeers
    const authors = this.pendingAuthors
    const publishedSeq = this.link?.lastSeq ?? 0
    this.pending = []
    this.pendingPeers = new Map()
    if (authors.size > 0) this.pendingAuthors = new Set()
    this.flushingPeers = peers
    this.flushing = this.writeBatch(batch, peers, authors, publishedSeq).finally(() => {
      this.flushing = null
      this.flushingPeers = null
    })
    return this.flushing
  }

  private async writeBatch(batch: Uint8Array[], peers: Map<RoomPeer, number>, authors: Set<PeerIdentity>, publishedSeq: number): Promise<void> {
    const { store, metrics, log } = this.options
    const started = performance.now()
    try {
      await store.append(this.roomId, batch)
    } catch (error) {
      this.failures++
      metrics.persistFailures.inc()
      this.pending = batch.concat(this.pending)
      for (const author of authors) this.pendingAuthors.add(author)
      for (const [peer, count] of peers) {
        if (this.peers.has(peer)) this.pendingPeers.set(peer, Math.max(count, this.pendingPeers.get(peer) ?? 0))
      }
      const delay = Math.min(this.options.persistIntervalMs * 2 ** this.failures, MAX_RETRY_DELAY_MS)
      log.error({ room: this.roomId, err: error, attempt: this.failures, retryInMs: delay }, 'persist failed; will retry')
      this.scheduleFlush(delay)
      return
    }
    metrics.persistBatchSeconds.observe((performance.now() - started) / 1000)
    if (this.failures > 0) log.info({ room: this.roomId }, 'persist recovered')
    this.failures = 0
    this.logLength++
    this.link?.confirmStored(publishedSeq)
    for (const [peer, count] of peers) if (this.peers.has(peer)) peer.send(savedFrame(count))
    if (authors.size > 0) await this.recordAuthors(authors)
    if (this.logLength > this.options.compactAfterUpdates) await this.compact()
    if (this.pending.length > 0) this.scheduleFlush()
    else if (this.peers.size === 0) queueMicrotask(this.hooks.idle)
  }

  /**
   * Records the editors of a stored batch: each user at most once per EDITOR_RECORD_INTERVAL_MS, and
   * again after a version was saved (versionSaved), so a busy room writes a row per user now and
   * then rather than one statement per batch. A failure costs only attribution (the edits are
   * stored): the user is recorded again with the next batch that holds their edits.
   */
  private async recordAuthors(authors: Set<PeerIdentity>): Promise<void> {
    const now = Date.now()
    const editors = new Map<string, VersionAuthor>()
    for (const { id, name } of authors) {
      const recorded = this.recordedAt.get(id)
      if (recorded === undefined || now - recorded >= EDITOR_RECORD_INTERVAL_MS) editors.set(id, { id, name })
    }
    if (editors.size === 0) return
    for (const id of editors.keys()) this.recordedAt.set(id, now)
    try {
      await this.options.store.recordEditors(this.roomId, Array.from(editors.values()), new Date(now))
    } catch (error) {
      for (const id of editors.keys()) this.recordedAt.delete(id)
      this.options.log.warn({ room: this.roomId, err: error }, 'recording editors failed')
    }
  }

  /** A version of the room was saved: whoever edits next is recorded again, as an author of the next version. */
  versionSaved(): void {
    this.recordedAt.clear()
  }

  /** Folds a non-empty log into the snapshot (before eviction, so the next load reads one blob). */
  async compactIfLogged(): Promise<void> {
    if (this.logLength > 0) await this.compact()
  }

  /** Rewrites a snapshot stored before collection (its log may be empty). */
  rewriteSnapshot(): Promise<void> {
    return this.compact(true)
  }

  /**
   * Folds the log into the collected snapshot. On a single instance the store takes this room's
   * live document as the state (it holds everything stored); scaled out, another instance may
   * have stored rows this one has not seen yet, so the store rebuilds the state from its rows.
   */
  private async compact(rewrite = false): Promise<void> {
    // Batches stored while the compaction runs stay in the log, and count towards the next one.
    const folded = this.logLength
    try {
      await this.options.store.compact(this.roomId, { live: this.link ? undefined : this.hooks.live, rewrite })
      this.logLength -= folded
      this.options.metrics.compactions.inc()
    } catch (error) {
      // The log stays valid; compaction is tried again after the next batch.
      this.options.log.warn({ room: this.roomId, err: error }, 'compaction failed')
    }
  }

  /** Stops the flush timer; nothing more is scheduled. */
  destroy(): void {
    this.destroyed = true
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
  }
}

function savedFrame(through: number): string {
  const saved: SavedMessage = { type: 'saved', at: Date.now(), through }
  return JSON.stringify(saved)
}
