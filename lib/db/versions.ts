/**
 * Versions as the database holds them (RoomVersion): the reading queries both the sync server's
 * store and the app's API use, and how a version's state is stored (gzip, sha256) and read back
 * into tldraw records. One implementation, so the two sides cannot read versions differently.
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../protocol.ts'
import { VERSION_KINDS, type VersionAuthor, type VersionKind, type VersionSummary } from '../versions.ts'
import { fromHex, hexColumn, placeholders } from './blobs.ts'
import { driverAdapterOf, type Database, type Provider } from './client.ts'

/** The columns of a version that its summary is made of (everything but the state). */
export const VERSION_SUMMARY_COLUMNS = { id: true, createdAt: true, kind: true, label: true, authors: true, shapeCount: true } as const

/** A RoomVersion row without its state, as Prisma reads VERSION_SUMMARY_COLUMNS. */
export interface VersionRow {
  id: string
  createdAt: Date
  kind: string
  label: string | null
  authors: string
  shapeCount: number
}

/** The summary the API answers with, from a stored row. */
export function versionSummaryOf(row: VersionRow): VersionSummary {
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    kind: (VERSION_KINDS as readonly string[]).includes(row.kind) ? (row.kind as VersionKind) : 'auto',
    label: row.label,
    authors: JSON.parse(row.authors) as VersionAuthor[],
    shapeCount: row.shapeCount,
  }
}

/** A room's versions, newest first (without their states). */
export async function listVersions(db: Pick<Database, 'roomVersion'>, roomId: string): Promise<VersionSummary[]> {
  const rows = await db.roomVersion.findMany({ where: { roomId }, select: VERSION_SUMMARY_COLUMNS, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
  return rows.map(versionSummaryOf)
}

/**
 * One version of a room and its uncompressed state, or null when the room has no version of that
 * id. The state is read as hex text (lib/db/blobs.ts): Prisma's own Bytes path is ten times slower.
 */
export async function readVersion(db: Database, roomId: string, versionId: string): Promise<{ version: VersionSummary; state: Uint8Array } | null> {
  const provider: Provider = (await driverAdapterOf(db)).provider === 'postgres' ? 'postgresql' : 'sqlite'
  const row = await db.roomVersion.findFirst({ where: { id: versionId, roomId }, select: VERSION_SUMMARY_COLUMNS })
  if (!row) return null
  const [data] = await db.$queryRawUnsafe<{ data: string }[]>(
    `SELECT ${hexColumn(provider, 'data')} AS "data" FROM "RoomVersion" WHERE "id" = ${placeholders(provider, 1)}`,
    versionId,
  )
  if (!data) return null
  return { version: versionSummaryOf(row), state: decompressState(fromHex(data.data)) }
}

/** A state as a version stores it: gzip (level 6), about a tenth of the state for a board of shapes. */
export function compressState(state: Uint8Array): Uint8Array<ArrayBuffer> {
  const compressed = gzipSync(state)
  return new Uint8Array(compressed.buffer as ArrayBuffer, compressed.byteOffset, compressed.byteLength)
}

export function decompressState(data: Uint8Array): Uint8Array {
  return gunzipSync(data)
}

/** The sha256 (hex) of an uncompressed state: two versions in a row with the same hash are the same state. */
export function stateHashOf(state: Uint8Array): string {
  return createHash('sha256').update(state).digest('hex')
}

/** The tldraw records of a document state (the values of its board map), as a `.tldr` file holds them. */
export function recordsOfState(state: Uint8Array): unknown[] {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, state)
    return Object.values(doc.getMap(BOARD_RECORDS_MAP).toJSON())
  } finally {
    doc.destroy()
  }
}

/** How many records of a document's board map are shapes, read in place (no copy of the records). */
export function shapeCountOfDocument(doc: Y.Doc): number {
  return shapeCountOf(doc.getMap(BOARD_RECORDS_MAP).values())
}

/** How many of `records` are shapes (typeName 'shape'). */
export function shapeCountOf(records: Iterable<unknown>): number {
  let count = 0
  for (const record of records) {
    if (typeof record === 'object' && record !== null && (record as { typeName?: unknown }).typeName === 'shape') count++
  }
  return count
}
