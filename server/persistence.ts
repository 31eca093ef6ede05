import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import type { Database, Provider } from '../lib/db/client.ts'
import { fromHex, hexColumn, placeholders } from '../lib/db/blobs.ts'
import type { SerializedSchemaVersions } from '../lib/protocol.ts'
import { SERVER_SCHEMA } from './validation.ts'

/** What a room's stored state looks like when it is loaded. */
export interface StoredRoom {
  /** Yjs updates (snapshot first, then the log after it) to apply in order. */
  updates: Uint8Array[]
  /** Log entries not yet folded into the snapshot. */
  logLength: number
  /** The tldraw schema recorded with the snapshot, if any. */
  schema?: SerializedSchemaVersions | null
}

/**
 * Where rooms are stored. The room logic only sees this interface, so it is tested
 * against the in-memory store and runs in production on Prisma.
 */
export interface RoomStore {
  load(roomId: string): Promise<StoredRoom>
  /** The room a read-only link id belongs to, or null if no room has that view id. */
  roomIdForViewId(viewId: string): Promise<string | null>
  /** Appends one (merged) update to the room's log; resolves once it is durable. */
  append(roomId: string, update: Uint8Array): Promise<void>
  /** Folds the room's log into its snapshot in one transaction. */
  compact(roomId: string): Promise<void>
  /** Resolves when the database answers. */
  ping(): Promise<void>
  /** Runs the queries of a room load once without touching any room (see server/warmUp.ts). */
  warmUp?(): Promise<void>
  close(): Promise<void>
}

/** Rows per INSERT statement: three parameters each, well under SQLite's and PostgreSQL's limits. */
const APPEND_ROWS_PER_STATEMENT = 1000

interface StoredSnapshot {
  data: Uint8Array
  lastUpdateId: number
  schemaVersion: string | null
}

interface StoredUpdate {
  id: number
  data: Uint8Array
}

interface QueuedAppend {
  roomId: string
  data: Uint8Array<ArrayBuffer>
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Stores rooms through Prisma: an append-only update log plus one snapshot per room.
 *
 * Appends are group-committed: every append made in the same event-loop turn (rooms flush on a
 * shared grid, see Room.scheduleFlush) goes into one multi-row INSERT, so a hundred busy rooms
 * cost one statement and one commit per persist interval instead of a hundred.
 */
export class PrismaRoomStore implements RoomStore {
  private queued: QueuedAppend[] = []

  constructor(
    private readonly db: Database,
    private readonly provider: Provider,
  ) {}

  async load(roomId: string): Promise<StoredRoom> {
    // The app creates rooms; a room reached only through a valid token (tests, tools) is created here.
    // Raw SQL like the reads below: a model query's first run compiles in Prisma's query compiler,
    // which would add ~0.2 s to the first load after a start.
    const now = new Date()
    await this.db.$executeRawUnsafe(
      `INSERT INTO "Room" ("id", "viewId", "createdAt", "updatedAt") VALUES (${placeholders(this.provider, 4)}) ON CONFLICT ("id") DO NOTHING`,
      roomId,
      randomBytes(16).toString('base64url'),
      now,
      now,
    )
    const { snapshot, log } = await this.readStored(this.db, roomId)
    const updates = log.map((entry) => entry.data)
    if (snapshot) updates.unshift(snapshot.data)
    return { updates, logLength: log.length, schema: snapshot?.schemaVersion ? (JSON.parse(snapshot.schemaVersion) as SerializedSchemaVersions) : null }
  }

  /** Reads a room's snapshot and the log after it, blobs as hex text (lib/db/blobs.ts). */
  private async readStored(db: Pick<Database, '$queryRawUnsafe'>, roomId: string): Promise<{ snapshot: StoredSnapshot | null; log: StoredUpdate[] }> {
    const hex = (column: string) => hexColumn(this.provider, column)
    const param = (n: number) => placeholders(this.provider, 1, n - 1)
    const [snapshot] = await db.$queryRawUnsafe<{ data: string; lastUpdateId: number; schemaVersion: string | null }[]>(
      `SELECT ${hex('data')} AS "data", "lastUpdateId", "schemaVersion" FROM "RoomSnapshot" WHERE "roomId" = ${param(1)}`,
      roomId,
    )
    const lastUpdateId = snapshot ? Number(snapshot.lastUpdateId) : 0
    const log = await db.$queryRawUnsafe<{ id: number; data: string }[]>(
      `SELECT "id", ${hex('data')} AS "data" FROM "RoomUpdate" WHERE "roomId" = ${param(1)} AND "id" > ${param(2)} ORDER BY "id"`,
      roomId,
      lastUpdateId,
    )
    return {
      snapshot: snapshot ? { data: fromHex(snapshot.data), lastUpdateId, schemaVersion: snapshot.schemaVersion } : null,
      log: log.map((entry) => ({ id: Number(entry.id), data: fromHex(entry.data) })),
    }
  }

  async roomIdForViewId(viewId: string): Promise<string | null> {
    const room = await this.db.room.findUnique({ where: { viewId }, select: { id: true } })
    return room?.id ?? null
  }

  append(roomId: string, update: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ roomId, data: toBytes(update), resolve, reject })
      if (this.queued.length === 1) setImmediate(this.writeQueued)
    })
  }

  private writeQueued = async (): Promise<void> => {
    const queued = this.queued
    this.queued = []
    for (let start = 0; start < queued.length; start += APPEND_ROWS_PER_STATEMENT) {
      const batch = queued.slice(start, start + APPEND_ROWS_PER_STATEMENT)
      try {
        await this.insertUpdates(batch)
        for (const entry of batch) entry.resolve()
      } catch (error) {
        if (batch.length === 1) {
          batch[0].reject(error)
          continue
        }
        // One room's bad row must not fail the others: write each on its own, each with its own outcome.
        for (const entry of batch) await this.insertUpdates([entry]).then(() => entry.resolve(), entry.reject)
      }
    }
  }

  /**
   * One multi-row INSERT through Prisma's raw query path: the same table Prisma's models read,
   * at a fifth of createMany's CPU (micro-benchmark in docs/benchmarks.md: 3 ms against 14 ms
   * for 100 rows).
   */
  private async insertUpdates(rows: QueuedAppend[]): Promise<void> {
    const values = rows.map((_, i) => `(${placeholders(this.provider, 3, 3 * i)})`).join(', ')
    const createdAt = new Date()
    await this.db.$executeRawUnsafe(
      `INSERT INTO "RoomUpdate" ("roomId", "data", "createdAt") VALUES ${values}`,
      ...rows.flatMap(({ roomId, data }) => [roomId, data, createdAt]),
    )
  }

  async compact(roomId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      if (this.provider === 'postgresql') {
        // Instances sharing the database never compact one room at the same time.
        const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', roomId)
        if (!locked) return
      }
      const { snapshot, log } = await this.readStored(tx, roomId)
      if (log.length === 0) return
      const parts = log.map((entry) => entry.data)
      if (snapshot) parts.unshift(snapshot.data)
      const data = toBytes(Y.mergeUpdates(parts))
      const lastUpdateId = log[log.length - 1].id
      // The tldraw schema the document was last written with, so an older server will not misread it.
      const schemaVersion = JSON.stringify(SERVER_SCHEMA)
      await tx.roomSnapshot.upsert({
        where: { roomId },
        create: { roomId, data, lastUpdateId, schemaVersion },
        update: { data, lastUpdateId, schemaVersion },
      })
      await tx.roomUpdate.deleteMany({ where: { roomId, id: { lte: lastUpdateId } } })
    })
  }

  async ping(): Promise<void> {
    await this.db.$queryRawUnsafe('SELECT 1')
  }

  async warmUp(): Promise<void> {
    await this.readStored(this.db, '')
  }

  async close(): Promise<void> {
    await this.db.$disconnect()
  }
}

function toBytes(update: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(update.buffer as ArrayBuffer, update.byteOffset, update.byteLength)
}

/** Keeps rooms in memory: for tests of the room logic and for tools that need no database. */
export class MemoryRoomStore implements RoomStore {
  readonly rooms = new Map<string, { snapshot: Uint8Array | null; log: Uint8Array[] }>()

  async load(roomId: string): Promise<StoredRoom> {
    const room = this.rooms.get(roomId)
    if (!room) return { updates: [], logLength: 0 }
    return { updates: room.snapshot ? [room.snapshot, ...room.log] : [...room.log], logLength: room.log.length }
  }

  async roomIdForViewId(): Promise<string | null> {
    return null
  }

  async append(roomId: string, update: Uint8Array): Promise<void> {
    const room = this.rooms.get(roomId) ?? { snapshot: null, log: [] }
    room.log.push(update)
    this.rooms.set(roomId, room)
  }

  async compact(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId)
    if (!room || room.log.length === 0) return
    room.snapshot = Y.mergeUpdates(room.snapshot ? [room.snapshot, ...room.log] : room.log)
    room.log = []
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
