import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'

/** A shape id asked for that is not a shape of the version (the request is wrong: 400). */
export class UnknownShapeError extends Error {
  constructor(readonly shapeId: string) {
    super(`not a shape of this version: ${shapeId.slice(0, 80)}`)
  }
}

/** What a restore changes, as one Yjs update to apply to the live document (null: nothing differs). */
export interface RestoreChange {
  update: Uint8Array | null
  /** Records written (re-created or reset). */
  set: number
  /** Records deleted (whole-board restores only). */
  deleted: number
}

type BoardRecord = { id: string; typeName: string; parentId?: unknown }

/** The records of a stored state (a version's garbage-collected Yjs state), by id. */
export function recordsOfVersionState(state: Uint8Array): Map<string, BoardRecord> {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, state)
    return new Map(Object.entries(doc.getMap<BoardRecord>(BOARD_RECORDS_MAP).toJSON() as Record<string, BoardRecord>))
  } finally {
    doc.destroy()
  }
}

/**
 * The change that makes the live document equal to a version, computed on a copy of `live` (which
 * is left as it is) and encoded as the one update that copy's transaction produced.
 * Without `shapeIds`, the whole board: records missing from the version are deleted, records that
 * differ or are missing are set (compared as JSON, so an unchanged record writes nothing). With
 * `shapeIds`, only those shapes are re-created or reset, with the ancestors (frames, groups, the
 * page) they need that no longer exist; every other record is left as it is now. Throws
 * UnknownShapeError when an id is not a shape of the version.
 */
export function computeRestore(live: Y.Doc, version: Map<string, BoardRecord>, shapeIds?: readonly string[]): RestoreChange {
  const wanted = shapeIds ? shapesWithMissingAncestors(live, version, shapeIds) : version
  // What differs is found on the live document itself: the copy is made only when something does.
  const liveRecords = live.getMap<unknown>(BOARD_RECORDS_MAP)
  const toDelete = shapeIds ? [] : Array.from(liveRecords.keys()).filter((id) => !version.has(id))
  const toSet = Array.from(wanted.values()).filter((record) => !sameJson(liveRecords.get(record.id), record))
  if (toDelete.length === 0 && toSet.length === 0) return { update: null, set: 0, deleted: 0 }
  const work = new Y.Doc()
  try {
    Y.applyUpdate(work, Y.encodeStateAsUpdate(live))
    const records = work.getMap<unknown>(BOARD_RECORDS_MAP)
    let update: Uint8Array | null = null
    const keep = (change: Uint8Array) => (update = change)
    work.on('update', keep)
    work.transact(() => {
      for (const id of toDelete) records.delete(id)
      for (const record of toSet) records.set(record.id, record)
    })
    work.off('update', keep)
    return { update, set: toSet.length, deleted: toDelete.length }
  } finally {
    work.destroy()
  }
}

/** Equality of JSON values (records as stored): key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const aKeys = Object.keys(a)
  if (aKeys.length !== Object.keys(b).length) return false
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

/** The version's records for `shapeIds`, and each one's ancestors missing from the live board. */
function shapesWithMissingAncestors(live: Y.Doc, version: Map<string, BoardRecord>, shapeIds: readonly string[]): Map<string, BoardRecord> {
  const liveRecords = live.getMap<unknown>(BOARD_RECORDS_MAP)
  const wanted = new Map<string, BoardRecord>()
  for (const id of shapeIds) {
    const record = version.get(id)
    if (!record || record.typeName !== 'shape') throw new UnknownShapeError(id)
    wanted.set(id, record)
    let parentId = record.parentId
    while (typeof parentId === 'string' && !liveRecords.has(parentId) && !wanted.has(parentId)) {
      const parent = version.get(parentId)
      if (!parent) break
      wanted.set(parentId, parent)
      parentId = parent.parentId
    }
  }
  return wanted
}
