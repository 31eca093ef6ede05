import { randomBytes } from 'node:crypto'
import type { Scope, SerializedSchemaVersions } from '../../lib/protocol.ts'
import type { VersionAuthor, VersionSummary } from '../../lib/versions.ts'
import { stateHashOf } from '../../lib/db/versions.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'
import {
  authorsSince,
  collectedState,
  collectedVersion,
  DEFAULT_ROOM_NAME,
  resolveLinkRows,
  versionsToThin,
  type CompactOptions,
  type RecordedEditor,
  type ResolvedLink,
  type SaveVersionOptions,
  type StoredRoom,
  type SyncStorage,
} from './roomStore.ts'

/** A room as MemoryRoomStore holds it: the rows PrismaRoomStore keeps in Room, RoomSnapshot and RoomUpdate. */
export interface MemoryRoom {
  editId: string
  viewId: string
  name: string
  trashedAt: Date | null
  snapshot: { data: Uint8Array; lastUpdateId: number; schema: SerializedSchemaVersions | null; collected: boolean } | null
  /** Log rows with ids from one counter shared by every room, as the database's autoincrement. */
  log: { id: number; data: Uint8Array }[]
  /** Versions, oldest first (RoomVersion), each with its state uncompressed. */
  versions: { summary: VersionSummary; createdAt: Date; stateHash: string; state: Uint8Array }[]
  /** Editors by user id (RoomEditor). */
  editors: Map<string, RecordedEditor>
}

/**
 * Keeps rooms in memory: for tests of the room logic and for tools that need no database. It
 * behaves as PrismaRoomStore does (roomStore.contract.ts checks both): loading creates
 * the room with a view id of its own (its edit id its own id), only a created room takes appends, a compaction removes
 * only the log rows it folded in, and stored bytes are copies.
 */
export class MemoryRoomStore implements SyncStorage {
  private readonly stored = new Map<string, MemoryRoom>()
  private lastUpdateId = 0

  /** What the store holds, for tests to look at. */
  get rooms(): ReadonlyMap<string, Readonly<MemoryRoom>> {
    return this.stored
  }

  /**
   * Adds a room as the app creates a board (with its link ids), or as an earlier version left it
   * (with a snapshot): for tests that start from a stored board.
   */
  createRoom(
    roomId: string,
    {
      editId = roomId,
      viewId = newViewId(),
      snapshot,
    }: { editId?: string; viewId?: string; snapshot?: { data: Uint8Array; collected: boolean; schema?: SerializedSchemaVersions | null } } = {},
  ): void {
    if (this.stored.has(roomId) || this.findRoom((room) => room.editId === editId || room.viewId === viewId)) {
      throw new Error(`room ${roomId}, edit id ${editId} or view id ${viewId} exists already`)
    }
    this.stored.set(roomId, {
      editId,
      viewId,
      name: DEFAULT_ROOM_NAME,
      trashedAt: null,
      snapshot: snapshot ? { data: snapshot.data.slice(), lastUpdateId: this.lastUpdateId, schema: snapshot.schema ?? null, collected: snapshot.collected } : null,
      log: [],
      versions: [],
      editors: new Map(),
    })
  }

  /** Changes a room's row as the app does (a link reset, the trash): for tests. */
  updateRoom(roomId: string, change: Partial<Pick<MemoryRoom, 'editId' | 'viewId' | 'name' | 'trashedAt'>>): void {
    const room = this.stored.get(roomId)
    if (!room) throw new Error(`room ${roomId} does not exist`)
    Object.assign(room, change)
  }

  private findRoom(matches: (room: MemoryRoom) => boolean): MemoryRoom | undefined {
    for (const room of this.stored.values()) if (matches(room)) return room
    return undefined
  }

  async load(roomId: string): Promise<StoredRoom> {
    if (!this.stored.has(roomId)) this.createRoom(roomId)
    const { snapshot, log } = this.stored.get(roomId)!
    const updates = log.map((entry) => entry.data.slice())
    if (snapshot) updates.unshift(snapshot.data.slice())
    return { updates, logLength: log.length, schema: snapshot?.schema ?? null, collected: snapshot?.collected ?? true }
  }

  async resolveLink(linkId: string, scope: Scope): Promise<ResolvedLink> {
    const rows = Array.from(this.stored, ([id, room]) => ({ id, editId: room.editId, viewId: room.viewId, trashed: room.trashedAt !== null }))
    return resolveLinkRows(
      linkId,
      scope,
      rows.filter((row) => row.id === linkId || (scope === 'edit' ? row.editId : row.viewId) === linkId),
    )
  }

  async roomExists(roomId: string): Promise<boolean> {
    return this.stored.has(roomId)
  }

  async setRoomName(roomId: string, name: string): Promise<void> {
    const room = this.stored.get(roomId)
    if (room) room.name = name
  }

  async purgeTrashedRooms(trashedBefore: Date): Promise<number> {
    const purged = Array.from(this.stored).filter(([, room]) => room.trashedAt !== null && room.trashedAt < trashedBefore)
    for (const [id] of purged) this.stored.delete(id)
    return purged.length
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
    fold(room, collectedState(parts, live?.() ?? null), log.at(-1)?.id ?? snapshot?.lastUpdateId ?? 0)
  }

  async saveVersion(roomId: string, { kind, label, live, skipIfUnchanged, at = new Date() }: SaveVersionOptions): Promise<VersionSummary | null> {
    const room = this.stored.get(roomId)
    if (!room) throw new Error(`room ${roomId} does not exist`)
    const log = room.log.slice()
    const parts = log.map((entry) => entry.data)
    if (room.snapshot) parts.unshift(room.snapshot.data)
    const { state, shapeCount } = collectedVersion(parts, live?.() ?? null)
    if (log.length > 0) fold(room, state, log[log.length - 1].id)
    const stateHash = stateHashOf(state)
    const newest = newestVersion(room)
    if (skipIfUnchanged && newest?.stateHash === stateHash) return null
    const summary: VersionSummary = {
      id: randomBytes(16).toString('base64url'),
      createdAt: at.toISOString(),
      kind,
      label,
      authors: authorsSince(Array.from(room.editors.values()), newest?.createdAt ?? null),
      shapeCount,
    }
    room.versions.push({ summary, createdAt: at, stateHash, state: state.slice() })
    return structuredClone(summary)
  }

  async recordEditors(roomId: string, editors: VersionAuthor[], at: Date): Promise<void> {
    const room = this.stored.get(roomId)
    if (!room) throw new Error(`room ${roomId} does not exist`)
    for (const { id, name } of editors) room.editors.set(id, { id, name, lastEditAt: at })
  }

  async listVersions(roomId: string): Promise<VersionSummary[]> {
    const versions = this.stored.get(roomId)?.versions ?? []
    return newestFirst(versions).map((version) => structuredClone(version.summary))
  }

  async readVersion(roomId: string, versionId: string): Promise<{ version: VersionSummary; state: Uint8Array } | null> {
    const version = this.stored.get(roomId)?.versions.find((candidate) => candidate.summary.id === versionId)
    return version ? { version: structuredClone(version.summary), state: version.state.slice() } : null
  }

  async thinVersions(roomId: string, now: Date, retentionDays: number): Promise<number> {
    const room = this.stored.get(roomId)
    if (!room) return 0
    const deleted = new Set(versionsToThin(room.versions.map((version) => ({ id: version.summary.id, createdAt: version.createdAt, kind: version.summary.kind })), now, retentionDays))
    room.versions = room.versions.filter((version) => !deleted.has(version.summary.id))
    return deleted.size
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Stores `state` as the room's collected snapshot covering the log up to `lastUpdateId`, and drops those rows. */
function fold(room: MemoryRoom, state: Uint8Array, lastUpdateId: number): void {
  room.snapshot = { data: state.slice(), lastUpdateId, schema: SERVER_SCHEMA, collected: true }
  room.log = room.log.filter((entry) => entry.id > lastUpdateId)
}

/** Versions ordered as the database lists them: newest first, ties by id. */
function newestFirst(versions: MemoryRoom['versions']): MemoryRoom['versions'] {
  return versions.slice().sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.summary.id < b.summary.id ? 1 : -1))
}

function newestVersion(room: MemoryRoom): MemoryRoom['versions'][number] | undefined {
  return newestFirst(room.versions)[0]
}

/** A room's read-only link id, as the app makes one: 128 random bits, base64url. */
function newViewId(): string {
  return randomBytes(16).toString('base64url')
}
