import { isDeepStrictEqual } from 'node:util'
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
  const work = new Y.Doc()
  try {
    Y.applyUpdate(work, Y.encodeStateAsUpdate(live))
    const records = work.getMap<unknown>(BOARD_RECORDS_MAP)
    let update: Uint8Array | null = null
    const keep = (change: Uint8Array) => (update = change)
    let set = 0
    let deleted = 0
    work.on('update', keep)
    work.transact(() => {
      if (!shapeIds) {
        for (const id of Array.from(records.keys())) {
          if (version.has(id)) continue
          records.delete(id)
          deleted++
        }
      }
      for (const [id, record] of wanted) {
        if (isDeepStrictEqual(records.get(id), record)) continue
        records.set(id, record)
        set++
      }
    })
    work.off('update', keep)
    return { update, set, deleted }
  } finally {
    work.destroy()
  }
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
