import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'

/** The id of tldraw's document record, whose `name` is the board's name. */
export const DOCUMENT_RECORD_ID = 'document:document'

/** The `name` of a document record as stored in the board's records (undefined without the record or a string name). */
export function documentNameOf(records: Y.Map<unknown>): string | undefined {
  const record = records.get(DOCUMENT_RECORD_ID) as { name?: unknown } | undefined
  return typeof record?.name === 'string' ? record.name : undefined
}

/**
 * The Yjs update that sets the document record's name to `name` (creating the record as tldraw
 * does when the board has none), computed on a copy of `live`, which is left as it is; null when
 * the name is already that.
 */
export function computeRename(live: Y.Doc, name: string): Uint8Array | null {
  const current = live.getMap<unknown>(BOARD_RECORDS_MAP).get(DOCUMENT_RECORD_ID) as Record<string, unknown> | undefined
  if (current?.name === name) return null
  const record = current ? { ...current, name } : { id: DOCUMENT_RECORD_ID, typeName: 'document', gridSize: 10, name, meta: {} }
  const work = new Y.Doc()
  try {
    Y.applyUpdate(work, Y.encodeStateAsUpdate(live))
    let update: Uint8Array | null = null
    const keep = (change: Uint8Array) => (update = change)
    work.on('update', keep)
    work.getMap<unknown>(BOARD_RECORDS_MAP).set(DOCUMENT_RECORD_ID, record)
    work.off('update', keep)
    return update
  } finally {
    work.destroy()
  }
}
