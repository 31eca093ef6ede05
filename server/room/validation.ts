import type * as Y from 'yjs'
import { BOARD_RECORDS_MAP, type SerializedSchemaVersions } from '../../lib/protocol.ts'
import { DOCUMENT_TYPES, documentSchema, recordProblem } from '../../lib/documentRecords.ts'
import { placeOfStruct } from '../yjs/internals.ts'
import { readUpdate, UnsupportedContentError, type ReadUpdate, type StructId, type UpdateItem } from '../yjs/updateReader.ts'

/**
 * Checks a Yjs update before it is applied, relayed or stored: it may only write tldraw
 * document records, as plain values keyed by their id, into the board's records map, and
 * every record must pass tldraw's own validators (run here, on the server); rich text must
 * also fit the ProseMirror schema tldraw renders it with, whose own validator only checks its outline.
 */

/** The tldraw schema the server reads, stored with each document and compared with clients'. */
export const SERVER_SCHEMA: SerializedSchemaVersions = documentSchema.serialize()

export class InvalidUpdateError extends Error {}

interface Location {
  root: string
  key: string | null
}

/**
 * Throws InvalidUpdateError, with a short reason, if `update` writes anything but valid records.
 * Returns the update as read, for applyReadUpdate (the values are not decoded a second time).
 */
export function validateUpdate(doc: Y.Doc, update: Uint8Array): ReadUpdate {
  let read: ReadUpdate
  try {
    read = readUpdate(update)
  } catch (error) {
    if (error instanceof UnsupportedContentError) throw new InvalidUpdateError('records must be plain values')
    throw error
  }
  const items = read.items
  const byClient = new Map<number, UpdateItem[]>()
  for (const item of items) {
    const own = byClient.get(item.client)
    if (own) own.push(item)
    else byClient.set(item.client, [item])
  }
  for (const item of items) {
    const { root, key } = locate(doc, item, byClient, 0)
    if (root !== BOARD_RECORDS_MAP) throw new InvalidUpdateError(`write outside the board map (${root.slice(0, 20)})`)
    if (key === null) throw new InvalidUpdateError('board map entries only')
    read.keys.push(key)
    if (item.values === null) continue
    if (item.values.length !== 1) throw new InvalidUpdateError('records must be plain values')
    validateRecord(key, item.values[0])
  }
  return read
}

function validateRecord(key: string, record: unknown): void {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidUpdateError(`${key.slice(0, 40)}: not a record`)
  const { id, typeName } = record as { id?: unknown; typeName?: unknown }
  if (id !== key) throw new InvalidUpdateError(`${key.slice(0, 40)}: id does not match its key`)
  if (typeof typeName !== 'string' || !DOCUMENT_TYPES.has(typeName)) throw new InvalidUpdateError(`${key.slice(0, 40)}: not a document record type`)
  const problem = recordProblem(record as { typeName: string })
  if (problem?.kind === 'embedded-image') throw new InvalidUpdateError(`${key.slice(0, 40)}: image bytes belong in the asset store, not the document`)
  if (problem?.kind === 'invalid') throw new InvalidUpdateError(`invalid record: ${problem.message}`.slice(0, 110))
  if (problem?.kind === 'rich-text') throw new InvalidUpdateError(`${key.slice(0, 40)}: invalid rich text: ${problem.message}`.slice(0, 110))
}

/** The item of the update (clock-ordered per client) whose clock range holds `id`, if any. */
function itemInUpdate(byClient: Map<number, UpdateItem[]>, id: StructId): UpdateItem | undefined {
  const own = byClient.get(id.client)
  if (!own) return undefined
  let low = 0
  let high = own.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const item = own[middle]
    if (id.clock < item.clock) high = middle - 1
    else if (id.clock >= item.clock + item.length) low = middle + 1
    else return item
  }
  return undefined
}

/** Finds which root type and map key an item writes to, following its origin when needed. */
function locate(doc: Y.Doc, item: UpdateItem, byClient: Map<number, UpdateItem[]>, depth: number): Location {
  if (depth > 64) throw new InvalidUpdateError('origin chain too long')
  if (item.parentRoot !== null) return { root: item.parentRoot, key: item.parentSub }
  if (item.parentIsItem) throw new InvalidUpdateError('nested types are not allowed')
  const origin = item.origin ?? item.rightOrigin
  if (!origin) throw new InvalidUpdateError('item without parent')
  const sibling = itemInUpdate(byClient, origin)
  if (sibling && sibling !== item) return locate(doc, sibling, byClient, depth + 1)
  const place = placeOfStruct(doc, origin.client, origin.clock)
  if (place === 'unknown') throw new InvalidUpdateError('refers to unknown content')
  if (place === 'collected') throw new InvalidUpdateError('refers to collected content')
  if (place === 'nested') throw new InvalidUpdateError('nested types are not allowed')
  return place
}
