import { randomBytes } from 'node:crypto'
import type { ArgType, SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import { driverAdapterOf, insertRows, type Database, type Provider } from '../../lib/db/client.ts'
import { fromHex, hexColumn, placeholders } from '../../lib/db/blobs.ts'
import type { Scope, SerializedSchemaVersions } from '../../lib/protocol.ts'
import type { VersionAuthor, VersionSummary } from '../../lib/versions.ts'
import {
  compressState,
  listVersions,
  readVersion,
  stateHashOf,
  VERSION_SUMMARY_COLUMNS,
  versionSummaryOf,
} from '../../lib/db/versions.ts'
import {
  authorsSince,
  collectedState,
  collectedVersion,
  resolveLinkRows,
  versionsToThin,
  type CompactOptions,
  type ResolvedLink,
  type SaveVersionOptions,
  type StoredRoom,
  type SyncStorage,
} from './roomStore.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'

/** Rows per INSERT statement: three parameters each, well under SQLite's and PostgreSQL's limits. */
const APPEND_ROWS_PER_STATEMENT = 1000

/**
 * A compaction reads, collects and rewrites a room in one interactive transaction; Prisma ends
 * one after 5 s by default, which a large document's first compaction can need (applying and
 * encoding a 64 MiB document takes seconds), and a timed-out compaction would leave the log growing.
 */
const COMPACT_TRANSACTION_OPTIONS = { timeout: 60_000, maxWait: 10_000 }

/** How a text parameter is bound (as Prisma's own queries bind one). */
const TEXT_ARG: ArgType = { scalarType: 'string', arity: 'scalar' }

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
export class PrismaRoomStore implements SyncStorage {
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
      `INSERT INTO "Room" ("id", "editId", "viewId", "createdAt", "updatedAt") VALUES (${placeholders(this.provider, 5)}) ON CONFLICT ("id") DO NOTHING`,
      roomId,
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

  async resolveLink(linkId: string, scope: Scope): Promise<ResolvedLink> {
    // Once per socket: through the driver adapter, as appends are written, which costs a sixth of
    // Prisma's raw query path (0.04 against 0.25 ms on SQLite). Two index lookups in one statement
    // (SQLite's multi-index OR, PostgreSQL's bitmap OR).
    const [first, second] = placeholders(this.provider, 2).split(', ')
    const adapter = await driverAdapterOf(this.db)
    const { rows } = await adapter.queryRaw({
      sql: `SELECT "id", "editId", "viewId", "trashedAt" IS NOT NULL FROM "Room" WHERE "${scope === 'edit' ? 'editId' : 'viewId'}" = ${first} OR "id" = ${second}`,
      args: [linkId, linkId],
      argTypes: [TEXT_ARG, TEXT_ARG],
    })
    return resolveLinkRows(
      linkId,
      scope,
      rows.map(([id, editId, viewId, trashed]) => ({ id: String(id), editId: String(editId), viewId: String(viewId), trashed: Boolean(Number(trashed)) })),
    )
  }

  async roomExists(roomId: string): Promise<boolean> {
    return (await this.db.room.findUnique({ where: { id: roomId }, select: { id: true } })) !== null
  }

  setRoomName(roomId: string, name: string): Promise<void> {
    const write = async () => {
      await this.db.room.updateMany({ where: { id: roomId }, data: { name } })
    }
    // On SQLite a write made while a transaction is open on the one connection would commit or roll back with it.
    return this.provider === 'sqlite' ? this.exclusive(write) : write()
  }

  purgeTrashedRooms(trashedBefore: Date): Promise<number> {
    // Raw SQL through the driver adapter: it runs at start, when compiling a model query (~0.2 s
    // of CPU) would hold up the first rooms' loads. The date is bound as Prisma binds a DateTime,
    // so it compares with the stored ones; the foreign keys cascade the rest.
    const purge = async () => {
      const adapter = await driverAdapterOf(this.db)
      return adapter.executeRaw({
        sql: `DELETE FROM "Room" WHERE "trashedAt" < ${placeholders(this.provider, 1)}`,
        args: [trashedBefore],
        argTypes: [{ scalarType: 'datetime', arity: 'scalar' }],
      })
    }
    return this.provider === 'sqlite' ? this.exclusive(purge) : purge()
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
      await this.writeSnapshot(tx, roomId, collectedState(parts, live?.() ?? null), log.length > 0 ? log[log.length - 1].id : (snapshot?.lastUpdateId ?? 0))
    }, COMPACT_TRANSACTION_OPTIONS)
  }

  /** Stores `state` as the room's collected snapshot, covering the log up to `lastUpdateId`, and deletes those rows. */
  private async writeSnapshot(tx: Transaction, roomId: string, state: Uint8Array, lastUpdateId: number): Promise<void> {
    const data = toBytes(state)
    // The tldraw schema the document was last written with, so an older server will not misread it.
    const schemaVersion = JSON.stringify(SERVER_SCHEMA)
    await tx.roomSnapshot.upsert({
      where: { roomId },
      create: { roomId, data, lastUpdateId, schemaVersion, collected: true },
      update: { data, lastUpdateId, schemaVersion, collected: true },
    })
    await tx.roomUpdate.deleteMany({ where: { roomId, id: { lte: lastUpdateId } } })
  }

  saveVersion(roomId: string, options: SaveVersionOptions): Promise<VersionSummary | null> {
    return this.exclusive(() => this.saveVersionNow(roomId, options))
  }

  private saveVersionNow(roomId: string, { kind, label, live, skipIfUnchanged, at = new Date() }: SaveVersionOptions): Promise<VersionSummary | null> {
    return this.db.$transaction(async (tx) => {
      if (this.provider === 'postgresql') {
        // The lock compaction takes, waited for: an instance saving the same room after another
        // has committed then finds that version (same state) and writes none.
        await tx.$queryRawUnsafe('SELECT 1 AS "locked" FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS "lock"', roomId)
      }
      const { snapshot, log } = await this.readStored(tx, roomId)
      const parts = log.map((entry) => entry.data)
      if (snapshot) parts.unshift(snapshot.data)
      const { state, shapeCount } = collectedVersion(parts, live?.() ?? null)
      // The state is what a compaction would store: folding the log in now costs one write.
      if (log.length > 0) await this.writeSnapshot(tx, roomId, state, log[log.length - 1].id)
      const stateHash = stateHashOf(state)
      const newest = await tx.roomVersion.findFirst({ where: { roomId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { createdAt: true, stateHash: true } })
      if (skipIfUnchanged && newest?.stateHash === stateHash) return null
      const editors = await tx.roomEditor.findMany({ where: { roomId }, select: { userId: true, name: true, lastEditAt: true } })
      const authors = authorsSince(
        editors.map((editor) => ({ id: editor.userId, name: editor.name, lastEditAt: editor.lastEditAt })),
        newest?.createdAt ?? null,
      )
      const row = await tx.roomVersion.create({
        data: {
          id: newVersionId(),
          roomId,
          createdAt: at,
          kind,
          label,
          authors: JSON.stringify(authors),
          shapeCount,
          stateHash,
          data: compressState(state),
        },
        select: VERSION_SUMMARY_COLUMNS,
      })
      return versionSummaryOf(row)
    }, COMPACT_TRANSACTION_OPTIONS)
  }

  recordEditors(roomId: string, editors: VersionAuthor[], at: Date): Promise<void> {
    // One row per user, whichever of their connections edited (PostgreSQL refuses a row upserted twice in one statement).
    const unique = Array.from(new Map(editors.map((editor) => [editor.id, editor])).values())
    if (unique.length === 0) return Promise.resolve()
    const values = unique.map((_, i) => `(${placeholders(this.provider, 4, i * 4)})`).join(', ')
    const write = async () => {
      await this.db.$executeRawUnsafe(
        `INSERT INTO "RoomEditor" ("roomId", "userId", "name", "lastEditAt") VALUES ${values}
         ON CONFLICT ("roomId", "userId") DO UPDATE SET "name" = excluded."name", "lastEditAt" = excluded."lastEditAt"`,
        ...unique.flatMap((editor) => [roomId, editor.id, editor.name, at]),
      )
    }
    // On SQLite a write made while a transaction is open on the one connection would commit or roll back with it.
    return this.provider === 'sqlite' ? this.exclusive(write) : write()
  }

  listVersions(roomId: string): Promise<VersionSummary[]> {
    return listVersions(this.db, roomId)
  }

  readVersion(roomId: string, versionId: string): Promise<{ version: VersionSummary; state: Uint8Array } | null> {
    return readVersion(this.db, roomId, versionId)
  }

  thinVersions(roomId: string, now: Date, retentionDays: number): Promise<number> {
    const thin = async () => {
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000)
      const old = await this.db.roomVersion.findMany({ where: { roomId, createdAt: { lt: cutoff }, kind: { not: 'named' } }, select: { id: true, createdAt: true, kind: true } })
      const ids = versionsToThin(old, now, retentionDays)
      if (ids.length === 0) return 0
      const { count } = await this.db.roomVersion.deleteMany({ where: { roomId, id: { in: ids } } })
      return count
    }
    return this.provider === 'sqlite' ? this.exclusive(thin) : thin()
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

/** The client a `$transaction` callback gets. */
type Transaction = Parameters<Parameters<Database['$transaction']>[0]>[0]

/** A version id: 128 random bits, base64url (lib/versions.ts isValidVersionId). */
function newVersionId(): string {
  return randomBytes(16).toString('base64url')
}

function toBytes(update: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(update.buffer as ArrayBuffer, update.byteOffset, update.byteLength)
}

/** The same bytes as a Buffer (no copy): what better-sqlite3 binds as a BLOB. */
function toBuffer(update: Uint8Array): Buffer {
  return Buffer.from(update.buffer, update.byteOffset, update.byteLength)
}
