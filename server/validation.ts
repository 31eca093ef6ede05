import * as Y from 'yjs'
import { createTLSchema } from '@tldraw/tlschema'
import { BOARD_RECORDS_MAP, type SerializedSchemaVersions } from '../lib/protocol.ts'

/**
 * Checks a Yjs update before it is applied, relayed or stored: it may only write tldraw
 * document records, as plain values keyed by their id, into the board's records map, and
 * every record must pass tldraw's own validators (run here, on the server).
 */
const schema = createTLSchema()

/** Record types that belong in the shared document (not session or presence state). */
const DOCUMENT_TYPES = new Set(
  Object.entries(schema.types)
    .filter(([, type]) => (type as { scope: string }).scope === 'document')
    .map(([name]) => name),
)

/** The tldraw schema the server reads, stored with each document and compared with clients'. */
export const SERVER_SCHEMA: SerializedSchemaVersions = schema.serialize()

export class InvalidUpdateError extends Error {}

interface Location {
  root: string
  key: string | null
}

/** Throws InvalidUpdateError, with a short reason, if `update` writes anything but valid records. */
export function validateUpdate(doc: Y.Doc, update: Uint8Array): void {
  const { structs } = Y.decodeUpdate(update)
  const inUpdate = structs.filter((struct): struct is Y.Item => struct instanceof Y.Item)
  for (const item of inUpdate) {
    const { root, key } = locate(doc, item, inUpdate, 0)
    if (root !== BOARD_RECORDS_MAP) throw new InvalidUpdateError(`write outside the board map (${root.slice(0, 20)})`)
    if (key === null) throw new InvalidUpdateError('board map entries only')
    const content = item.content
    if (content instanceof Y.ContentDeleted) continue
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) throw new InvalidUpdateError('records must be plain values')
    validateRecord(key, content.arr[0])
  }
}

function validateRecord(key: string, record: unknown): void {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidUpdateError(`${key.slice(0, 40)}: not a record`)
  const { id, typeName } = record as { id?: unknown; typeName?: unknown }
  if (id !== key) throw new InvalidUpdateError(`${key.slice(0, 40)}: id does not match its key`)
  if (typeof typeName !== 'string' || !DOCUMENT_TYPES.has(typeName)) throw new InvalidUpdateError(`${key.slice(0, 40)}: not a document record type`)
  const src = (record as { props?: { src?: unknown } }).props?.src
  if (typeName === 'asset' && typeof src === 'string' && src.startsWith('data:')) {
    throw new InvalidUpdateError(`${key.slice(0, 40)}: image bytes belong in the asset store, not the document`)
  }
  try {
    schema.validateRecord(null as never, record as never, 'initialize', null)
  } catch (error) {
    throw new InvalidUpdateError(`invalid record: ${(error as Error).message}`.slice(0, 110))
  }
}

/** Finds which root type and map key an item writes to, following its origin when needed. */
function locate(doc: Y.Doc, item: Y.Item, inUpdate: Y.Item[], depth: number): Location {
  if (depth > 64) throw new InvalidUpdateError('origin chain too long')
  const parent = item.parent as unknown
  if (typeof parent === 'string') return { root: parent, key: item.parentSub }
  if (parent instanceof Y.ID) throw new InvalidUpdateError('nested types are not allowed')
  const origin = item.origin ?? item.rightOrigin
  if (!origin) throw new InvalidUpdateError('item without parent')
  const sibling = inUpdate.find(
    (other) => other !== item && other.id.client === origin.client && other.id.clock <= origin.clock && origin.clock < other.id.clock + other.length,
  )
  if (sibling) return locate(doc, sibling, inUpdate, depth + 1)
  let known: Y.Item | Y.GC
  try {
    known = Y.getItem(doc.store, origin) as Y.Item | Y.GC
  } catch {
    throw new InvalidUpdateError('refers to unknown content')
  }
  if (!(known instanceof Y.Item)) throw new InvalidUpdateError('refers to collected content')
  const type = known.parent as Y.AbstractType<unknown>
  if (type._item !== null) throw new InvalidUpdateError('nested types are not allowed')
  for (const [name, shared] of doc.share) if (shared === type) return { root: name, key: known.parentSub }
  throw new InvalidUpdateError('refers to unknown content')
}
