/**
 * Counts the shape records a server has durably stored, by reading its SQLite file read-only
 * (WAL: the reader never blocks the server's writes). Each shape is one map entry in a Yjs
 * update, so the stored shapes are the distinct map keys of the stored updates.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import * as Y from 'yjs'

function addMapKeys(update: Uint8Array, keys: Set<string>): void {
  for (const struct of Y.decodeUpdate(update).structs) {
    if (struct instanceof Y.Item && struct.parentSub !== null) keys.add(struct.parentSub)
  }
}

export interface PersistedShapeCounter {
  count(): number
  close(): void
}

/**
 * Our server: an update log (RoomUpdate) and a compacted snapshot per room (RoomSnapshot).
 * The log is read incrementally; a snapshot is decoded only when a compaction removed log
 * rows this counter had not read yet.
 */
/** Counts shapes stored for the rooms whose id starts with `roomPrefix`. */
export function countOurStoredShapes(file: string, roomPrefix: string): PersistedShapeCounter {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  const keys = new Set<string>()
  let lastUpdateId = 0
  const newUpdates = db.prepare<[number, string], { id: number; data: Buffer }>("SELECT id, data FROM RoomUpdate WHERE id > ? AND roomId LIKE ? || '%' ORDER BY id")
  const snapshotsAhead = db.prepare<[number, string], { data: Buffer; lastUpdateId: number }>("SELECT data, lastUpdateId FROM RoomSnapshot WHERE lastUpdateId > ? AND roomId LIKE ? || '%'")
  const readConsistently = db.transaction(() => {
    for (const snapshot of snapshotsAhead.all(lastUpdateId, roomPrefix)) addMapKeys(snapshot.data, keys)
    for (const row of newUpdates.all(lastUpdateId, roomPrefix)) {
      addMapKeys(row.data, keys)
      lastUpdateId = row.id
    }
  })
  return {
    count() {
      readConsistently()
      return keys.size
    },
    close: () => db.close(),
  }
}

/** Hocuspocus' SQLite extension: one row per document holding its whole state. */
export function countHocuspocusStoredShapes(file: string, documentPrefix: string): PersistedShapeCounter {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  const rows = db.prepare<[string], { name: string; data: Buffer }>("SELECT name, data FROM documents WHERE name LIKE ? || '%'")
  const countsByDocument = new Map<string, { bytes: number; shapes: number }>()
  return {
    count() {
      let total = 0
      for (const row of rows.all(documentPrefix)) {
        let known = countsByDocument.get(row.name)
        if (!known || known.bytes !== row.data.byteLength) {
          const keys = new Set<string>()
          addMapKeys(row.data, keys)
          known = { bytes: row.data.byteLength, shapes: keys.size }
          countsByDocument.set(row.name, known)
        }
        total += known.shapes
      }
      return total
    },
    close: () => db.close(),
  }
}

/**
 * tldraw's SQLiteSyncStorage: one database file per room (bench/peers/tldraw-sync-server.mjs),
 * one `documents` row per record, written in the push's own transaction.
 */
export function countTldrawStoredShapes(dir: string, roomPrefix: string): PersistedShapeCounter {
  const databases = new Map<string, Database.Database>()
  const openNewRooms = () => {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.db') || !decodeURIComponent(name).startsWith(roomPrefix) || databases.has(name)) continue
      databases.set(name, new Database(path.join(dir, name), { readonly: true, fileMustExist: true }))
    }
  }
  return {
    count() {
      openNewRooms()
      let total = 0
      for (const db of databases.values()) total += (db.prepare("SELECT COUNT(*) AS shapes FROM documents WHERE id LIKE 'shape:%'").get() as { shapes: number }).shapes
      return total
    },
    close: () => databases.forEach((db) => db.close()),
  }
}
