import { Room, type RoomOptions } from './room.ts'
import type { Scope } from '../../lib/protocol.ts'
import type { RoomLinks } from '../storage/roomStore.ts'
import { LinkRefusedError } from './errors.ts'

/** The registry's settings: a room's, with a store that also finds the room a link opens. */
export type RegistryOptions = Omit<RoomOptions, 'onIdle' | 'onBroken' | 'store'> & { store: RoomOptions['store'] & RoomLinks }

/**
 * The rooms in memory. A room is loaded once however many clients arrive together,
 * and evicted when its last peer has left and its writes are flushed, versioned and compacted.
 */
export class RoomRegistry {
  private readonly loaded = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  private readonly evictions = new Set<Promise<void>>()
  /** Set at shutdown: evictions still flush, but start no compaction. */
  private closing = false

  constructor(private readonly options: RegistryOptions) {}

  get size(): number {
    return this.loaded.size
  }

  rooms(): IterableIterator<Room> {
    return this.loaded.values()
  }

  get(roomId: string): Room | undefined {
    return this.loaded.get(roomId)
  }

  /**
   * The room a socket's URL id (its link id) opens: an edit link's id is the room's edit id, a
   * read-only link's its separate view id, so a viewer never learns the edit id (see
   * RoomLinks.resolveLink). Throws LinkRefusedError for a link reset since or a trashed board.
   */
  async resolve(linkId: string, scope: Scope): Promise<string> {
    const resolved = await this.options.store.resolveLink(linkId, scope)
    if ('refused' in resolved) throw new LinkRefusedError(resolved.refused)
    return resolved.roomId
  }

  /** The room, loading it if needed. Rejects when the load fails; then nothing is kept for it. */
  acquire(roomId: string): Promise<Room> {
    const room = this.loaded.get(roomId)
    if (room) return Promise.resolve(room)
    let pending = this.loading.get(roomId)
    if (!pending) {
      pending = Room.load(roomId, { ...this.options, onIdle: (idle) => void this.evictIfIdle(idle), onBroken: (broken) => this.drop(broken) })
        .then((loadedRoom) => {
          this.loaded.set(roomId, loadedRoom)
          this.options.metrics.rooms.set(this.loaded.size)
          return loadedRoom
        })
        .finally(() => this.loading.delete(roomId))
      this.loading.set(roomId, pending)
    }
    return pending
  }

  /** Forgets a room whose stored document turned out unreadable (a load failure, counted as one): nothing is flushed or compacted for it. */
  private drop(room: Room): void {
    if (this.loaded.get(room.id) !== room) return
    this.options.metrics.roomLoadFailures.inc()
    this.forget(room)
  }

  private forget(room: Room): void {
    this.loaded.delete(room.id)
    this.options.metrics.rooms.set(this.loaded.size)
    room.destroy()
  }

  /**
   * Flushes an empty room, saves an automatic version if it changed, compacts its log and drops it
   * from memory if nobody joined meanwhile. Shutdown waits for evictions under way and starts no
   * version or compaction (flushAll): closing Prisma's PostgreSQL client under an open transaction
   * hangs the disconnect. The edits are stored; the room's next burst of edits versions them.
   */
  evictIfIdle(room: Room): Promise<void> {
    const eviction: Promise<void> = this.evict(room).finally(() => this.evictions.delete(eviction))
    this.evictions.add(eviction)
    return eviction
  }

  private async evict(room: Room): Promise<void> {
    if (room.peers.size > 0 || this.loaded.get(room.id) !== room) return
    await room.flushPendingUpdates()
    if (!this.closing && room.peers.size === 0 && !room.hasPendingWrites) await room.saveVersionIfChanged()
    // The next load then reads one snapshot, which also answers its first client's sync as is.
    if (!this.closing && room.peers.size === 0 && !room.hasPendingWrites) await room.compactIfLogged()
    if (room.peers.size > 0 || room.hasPendingWrites || this.loaded.get(room.id) !== room) return
    this.forget(room)
  }

  /**
   * At shutdown: writes every room's pending updates and waits for evictions under way, including
   * those a finished write starts, so the store can then be closed with nothing in flight.
   */
  async flushAll(): Promise<void> {
    this.closing = true
    await Promise.all(Array.from(this.loaded.values(), (room) => room.stopVersions()))
    await Promise.all(Array.from(this.loaded.values(), (room) => room.flushPendingUpdates()))
    while (this.evictions.size > 0) await Promise.all(this.evictions)
  }

  /** True while some room's writes are failing and being retried. */
  get persistFailing(): boolean {
    for (const room of this.loaded.values()) if (room.persistFailing) return true
    return false
  }

  destroyAll(): void {
    for (const room of this.loaded.values()) room.destroy()
    this.loaded.clear()
    this.options.metrics.rooms.set(0)
  }
}
