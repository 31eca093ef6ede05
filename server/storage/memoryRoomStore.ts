import { randomBytes } from 'node:crypto'
import type { SerializedSchemaVersions } from '../../lib/protocol.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'
import { collectedState, type CompactOptions, type StoredRoom, type SyncStorage } from './roomStore.ts'

/** A room as MemoryRoomStore holds it: the rows PrismaRoomStore keeps in Room, RoomSnapshot and RoomUpdate. */
export interface MemoryRoom {
  viewId: string
  snapshot: { data: Uint8Array; lastUpdateId: number; schema: SerializedSchemaVersions | null; collected: boolean } | null
  /** Log rows with ids from one counter shared by every room, as the database's autoincrement. */
  log: { id: number; data: Uint8Array }[]
}

/**
 * Keeps rooms in memory: for tests of the room logic and for tools that need no database. It
 * behaves as PrismaRoomStore does (roomStore.contract.ts checks both): loading creates
 * the room with a view id of its own, only a created room takes appends, a compaction removes
 * only the log rows it folded in, and stored bytes are copies.
 */
export class MemoryRoomStore implements SyncStorage {
  private readonly stored = new Map<string, MemoryRoom>()
  private readonly roomIdsByViewId = new Map<string, string>()
  private lastUpdateId = 0

  /** What the store holds, for tests to look at. */
  get rooms(): ReadonlyMap<string, Readonly<MemoryRoom>> {
    return this.stored
  }

  /**
   * Adds a room as the app creates a board (with its view id), or as an earlier version left it
   * (with a snapshot): for tests that start from a stored board.
   */
  createRoom(
    roomId: string,
    { viewId = newViewId(), snapshot }: { viewId?: string; snapshot?: { data: Uint8Array; collected: boolean; schema?: SerializedSchemaVersions | null } } = {},
  ): void {
    if (this.stored.has(roomId) || this.roomIdsByViewId.has(viewId)) throw new Error(`room ${roomId} or view id ${viewId} exists already`)
    this.stored.set(roomId, {
      viewId,
      snapshot: snapshot ? { data: snapshot.data.slice(), lastUpdateId: this.lastUpdateId, schema: snapshot.schema ?? null, collected: snapshot.collected } : null,
      log: [],
    })
    this.roomIdsByViewId.set(viewId, roomId)
  }

  async load(roomId: string): Promise<StoredRoom> {
    if (!this.stored.has(roomId)) this.createRoom(roomId)
    const { snapshot, log } = this.stored.get(roomId)!
    const updates = log.map((entry) => entry.data.slice())
    if (snapshot) updates.unshift(snapshot.data.slice())
    return { updates, logLength: log.length, schema: snapshot?.schema ?? null, collected: snapshot?.collected ?? true }
  }

  async roomIdForViewId(viewId: string): Promise<string | null> {
    return this.roomIdsByViewId.get(viewId) ?? null
  }

  async append(roomId: string, updates: Uint8Array[]): Promise<void> {
    if (updates.length === 0) return
    const room = this.stored.get(roomId)
    // As the database's foreign key: a room is created by the app or by its first load.
    if (!room) throw new Error(`room ${roomId} does not exist`)
    for (const data of updates) room.log.push({ id: ++this.lastUpdateId, data: data.slice() })
  }

  async compact(roomId: string, { live, rewrite = false }: CompactOptions = {}): Promise<void> {
    const room = this.stored.get(roomId)
    if (!room) return
    const snapshot = room.snapshot
    // The rows as they are now: an append made while `live` runs is not folded in, and stays.
    const log = room.log.slice()
    if (log.length === 0 && !(rewrite && snapshot)) return
    const parts = log.map((entry) => entry.data)
    if (snapshot) parts.unshift(snapshot.data)
    const data = collectedState(parts, live?.() ?? null).slice()
    const lastUpdateId = log.at(-1)?.id ?? snapshot?.lastUpdateId ?? 0
    room.snapshot = { data, lastUpdateId, schema: SERVER_SCHEMA, collected: true }
    room.log = room.log.filter((entry) => entry.id > lastUpdateId)
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A room's read-only link id, as the app makes one: 128 random bits, base64url. */
function newViewId(): string {
  return randomBytes(16).toString('base64url')
}
