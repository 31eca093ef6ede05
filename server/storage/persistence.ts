import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import { driverAdapterOf, insertRows, type Database, type Provider } from '../../lib/db/client.ts'
import { fromHex, hexColumn, placeholders } from '../../lib/db/blobs.ts'
import type { SerializedSchemaVersions } from '../../lib/protocol.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'

/** What a room's stored state looks like when it is loaded. */
export interface StoredRoom {
  /** Yjs updates (snapshot first, then the log after it) to apply in order. */
  updates: Uint8Array[]
  /** Log rows not yet folded into the snapshot. */
  logLength: number
  /** The tldraw schema recorded with the snapshot, if any. */
  schema?: SerializedSchemaVersions | null
  /**
   * False when the snapshot was stored before snapshots were garbage-collected (a merge of
   * every update ever made): the room rewrites it once it is loaded. True without a snapshot.
   */
  collected: boolean
}

/**
 * The room's live document, for a compaction: its state, encoded just now, and the document
 * itself to check that the state holds every stored row.
 */
export interface LiveDocument {
  doc: Y.Doc
  state: Uint8Array
}

export interface CompactOptions {
  /**
   * Encodes the room's live document. When it holds the stored snapshot and every log row (as it
   * does on a single instance), its state is stored as is; otherwise the state is rebuilt from it
   * and the stored rows it lacks.
   */
  live?: () => LiveDocument
  /** Rewrite the snapshot even when the log is empty (a snapshot stored before collection). */
  rewrite?: boolean
}

/**
 * Where rooms are stored. The room logic only sees this interface, so it is tested
 * against the in-memory store and runs in production on Prisma.
 */
export interface RoomStore {
  load(roomId: string): Promise<StoredRoom>
  /** The room a read-only link id belongs to, or null if no room has that view id. */
  roomIdForViewId(viewId: string): Promise<string | null>
  /** Appends updates, in order, to the room's log; resolves once all of them are durable. */
  append(roomId: string, updates: Uint8Array[]): Promise<void>
  /**
   * Replaces the room's snapshot and the log rows it covers, in one transaction, with the
   * garbage-collected state of the document they make up: its current content, without the
   * values every overwrite and deletion left behind.
   */
  compact(roomId: string, options?: CompactOptions): Promise<void>
  /** Resolves when the database answers. */
  ping(): Promise<void>
  /** Runs the queries of a room load once without touching any room (see server/yjs/warmUp.ts). */
  warmUp?(): Promise<void>
  close(): Promise<void>
}

/** Rows per INSERT statement: three parameters each, well under SQLite's and PostgreSQL's limits. */
const APPEND_ROWS_PER_STATEMENT = 1000

/**
 * A compaction reads, collects and rewrites a room in one interactive transaction; Prisma ends
 * one after 5 s by default, which a large document's first compaction can need (applying and
 * encoding a 64 MiB document takes seconds), and a timed-out compaction would leave the log growing.
 */
const COMPACT_TRANSACTION_OPTIONS = { timeout: 60_000, maxWait: 10_000 }

const UPDATE_COLUMNS = [
  { name: 'roomId', kind: 'text' },
  { name: 'data', kind: 'bytes' },
  { name: 'createdAt', kind: 'datetime' },
] as const

interface StoredSnapshot {
  data: Uint8Array
  lastUpdateId: number
  schemaVersion: string | null
  collected: boolean
}

interface StoredUpdate {
  id: number
  data: Uint8Array
}

interface QueuedAppend {
  roomId: string
  updates: Buffer[]
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Stores rooms through Prisma: an append-only update log (one row per Yjs update, as received)
 * plus one snapshot per room.
 *
 * Appends are group-committed: every append made in the same event-loop turn (rooms flush on a
 * shared grid, see Room.scheduleFlush) goes into one multi-row INSERT, so a hundred busy rooms
 * cost one statement and one commit per persist interval instead of a hundred. Updates are not
 * merged before they are written: the compaction folds them into the collected state anyway.
 */
export class PrismaRoomStore implements RoomStore {
  private queued: QueuedAppend[] = []
  /**
   * Appends and compactions run one at a time: on SQLite they share one connection, and an
   * INSERT made while a compaction's transaction is open would commit or roll back with it.
   */
  private writing: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly db: Database,
    private readonly provider: Provider,
  ) {}

  load(roomId: string): Promise<StoredRoom> {
    // On SQLite every query shares one connection, so a load made while a compaction's
    // transaction is open would run inside it, and the room row it creates would go if the
    // compaction rolled back (every later append to the room then fails its foreign key).
    return this.provider === 'sqlite' ? this.exclusive(() => this.loadNow(roomId)) : this.loadNow(roomId)
  }

  private async loadNow(roomId: string): Promise<StoredRoom> {
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
    return {
      updates,
      logLength: log.length,
      schema: snapshot?.schemaVersion ? (JSON.parse(snapshot.schemaVersion) as SerializedSchemaVersions) : null,
      collected: snapshot?.collected ?? true,
    }
  }

  /**
   * Reads a room's snapshot and the log after it, blobs as hex text (lib/db/blobs.ts), in one
   * statement: it sees one state of the database, so a compaction another instance commits in
   * between cannot hand it the old snapshot without the log rows the new one folded in.
   */
  private async readStored(db: Pick<Database, '$queryRawUnsafe'>, roomId: string): Promise<{ snapshot: StoredSnapshot | null; log: StoredUpdate[] }> {
    const hex = hexColumn(this.provider, 'data')
    const [first, second, third] = placeholders(this.provider, 3).split(', ')
    const rows = await db.$queryRawUnsafe<{ part: number; data: string; id: number; schemaVersion: string | null; collected: boolean | number | null }[]>(
      `SELECT 0 AS "part", ${hex} AS "data", "lastUpdateId" AS "id", "schemaVersion", "collected" FROM "RoomSnapshot" WHERE "roomId" = ${first}
       UNION ALL
       SELECT 1, ${hex}, "id", NULL, NULL FROM "RoomUpdate"
       WHERE "roomId" = ${second} AND "id" > COALESCE((SELECT "lastUpdateId" FROM "RoomSnapshot" WHERE "roomId" = ${third}), 0)`,
      roomId,
      roomId,
      roomId,
    )
    // Ordered here, not by the query: an ORDER BY would pass the snapshot's hex text through a sorter.
    const stored = rows.find((row) => Number(row.part) === 0)
    const snapshot = stored
      ? { data: fromHex(stored.data), lastUpdateId: Number(stored.id), schemaVersion: stored.schemaVersion, collected: Boolean(stored.collected) }
      : null
    const log = rows
      .filter((row) => Number(row.part) === 1)
      .map((entry) => ({ id: Number(entry.id), data: fromHex(entry.data) }))
      .sort((a, b) => a.id - b.id)
    return { snapshot, log }
  }

  async roomIdForViewId(viewId: string): Promise<string | null> {
    const room = await this.db.room.findUnique({ where: { viewId }, select: { id: true } })
    return room?.id ?? null
  }

  append(roomId: string, updates: Uint8Array[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.queued.push({ roomId, updates: updates.map(toBuffer), resolve, reject })
      if (this.queued.length === 1) setImmediate(this.writeQueued)
    })
  }

  private writeQueued = (): void => {
    const queued = this.queued
    this.queued = []
    void this.exclusive(async () => {
      let adapter: SqlDriverAdapter
      try {
        adapter = await driverAdapterOf(this.db)
      } catch (error) {
        for (const entry of queued) entry.reject(error)
        return
      }
      // Statements of at most APPEND_ROWS_PER_STATEMENT rows; a room's updates never span two.
      let batch: QueuedAppend[] = []
      let rows = 0
      for (const entry of queued) {
        if (rows > 0 && rows + entry.updates.length > APPEND_ROWS_PER_STATEMENT) {
          await this.insertBatch(adapter, batch)
          batch = []
          rows = 0
        }
        batch.push(entry)
        rows += entry.updates.length
      }
      if (batch.length > 0) await this.insertBatch(adapter, batch)
    })
  }

  private async insertBatch(adapter: SqlDriverAdapter, batch: QueuedAppend[]): Promise<void> {
    try {
      await this.insertUpdates(adapter, batch)
      for (const entry of batch) entry.resolve()
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error)
        return
      }
      // One room's bad row must not fail the others: write each on its own, each with its own outcome.
      for (const entry of batch) await this.insertUpdates(adapter, [entry]).then(() => entry.resolve(), entry.reject)
    }
  }

  /**
   * One multi-row INSERT through the driver adapter Prisma itself uses (lib/db/client.ts), into
   * the table Prisma's models read. Prisma's own raw query path sends every row's bytes through
   * its query compiler, which cost ten times the statement.
   */
  private async insertUpdates(adapter: SqlDriverAdapter, entries: QueuedAppend[]): Promise<void> {
    const createdAt = new Date()
    const rows = entries.flatMap(({ roomId, updates }) => updates.map((data) => [roomId, data, createdAt] as const))
    await insertRows(adapter, 'RoomUpdate', UPDATE_COLUMNS, rows)
  }

  /** Runs `write` after every append and compaction before it has finished. */
  private exclusive<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writing.then(write)
    this.writing = result.catch(() => {})
    return result
  }

  compact(roomId: string, options: CompactOptions = {}): Promise<void> {
    return this.exclusive(() => this.compactNow(roomId, options))
  }

  private async compactNow(roomId: string, { live, rewrite = false }: CompactOptions): Promise<void> {
    await this.db.$transaction(async (tx) => {
      if (this.provider === 'postgresql') {
        // Instances sharing the database never compact one room at the same time.
        const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', roomId)
        if (!locked) return
      }
      const { snapshot, log } = await this.readStored(tx, roomId)
      if (log.length === 0 && !(rewrite && snapshot)) return
      const parts = log.map((entry) => entry.data)
      if (snapshot) parts.unshift(snapshot.data)
      const data = toBytes(collectedState(parts, live?.() ?? null))
      const lastUpdateId = log.length > 0 ? log[log.length - 1].id : (snapshot?.lastUpdateId ?? 0)
      // The tldraw schema the document was last written with, so an older server will not misread it.
      const schemaVersion = JSON.stringify(SERVER_SCHEMA)
      await tx.roomSnapshot.upsert({
        where: { roomId },
        create: { roomId, data, lastUpdateId, schemaVersion, collected: true },
        update: { data, lastUpdateId, schemaVersion, collected: true },
      })
      await tx.roomUpdate.deleteMany({ where: { roomId, id: { lte: lastUpdateId } } })
    }, COMPACT_TRANSACTION_OPTIONS)
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

/**
 * The garbage-collected state of the document that `parts` (a snapshot and log rows) make up.
 * The live document's state is used as is when it holds every part; otherwise the parts it lacks
 * are applied on top of it, or, without a live document, all parts to a new document (Yjs
 * collects deleted content as it applies them). Y.mergeUpdates is not used: it keeps every
 * overwritten value.
 */
export function collectedState(parts: Uint8Array[], live: LiveDocument | null): Uint8Array {
  let missing = parts
  if (live) {
    const snapshot = Y.snapshot(live.doc)
    missing = parts.filter((part) => !Y.snapshotContainsUpdate(snapshot, part))
    if (missing.length === 0) return live.state
    missing.unshift(live.state)
  }
  const doc = new Y.Doc({ gc: true })
  try {
    Y.transact(doc, () => {
      for (const part of missing) Y.applyUpdate(doc, part)
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

function toBytes(update: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(update.buffer as ArrayBuffer, update.byteOffset, update.byteLength)
}

/** The same bytes as a Buffer (no copy): what better-sqlite3 binds as a BLOB. */
function toBuffer(update: Uint8Array): Buffer {
  return Buffer.from(update.buffer, update.byteOffset, update.byteLength)
}

/** A room as MemoryRoomStore holds it: the rows PrismaRoomStore keeps in Room, RoomSnapshot and RoomUpdate. */
export interface MemoryRoom {
  viewId: string
  snapshot: { data: Uint8Array; lastUpdateId: number; schema: SerializedSchemaVersions | null; collected: boolean } | null
  /** Log rows with ids from one counter shared by every room, as the database's autoincrement. */
  log: { id: number; data: Uint8Array }[]
}

/**
 * Keeps rooms in memory: for tests of the room logic and for tools that need no database. It
 * behaves as PrismaRoomStore does (server/storage/persistence.contract.ts checks both): loading creates
 * the room with a view id of its own, only a created room takes appends, a compaction removes
 * only the log rows it folded in, and stored bytes are copies.
 */
export class MemoryRoomStore implements RoomStore {
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
