import { DOCUMENT_TYPES, documentSchema, recordProblem } from './documentRecords.ts'

/**
 * tldraw's `.tldr` file: the board's document records with the schema they were written with, as
 * tldraw's own "Download" writes it. Exports hold the records of the board's Y map as they are;
 * imports are migrated to the schema this build reads and checked record by record like a live
 * edit (server/room/validation.ts), so a file can never put into a board what an editor could not.
 */
export interface TldrFile {
  tldrawFileFormatVersion: 1
  schema: SerializedSchema
  records: TldrRecord[]
}

/** A tldraw record as JSON: at least an id and a type name. */
export type TldrRecord = { id: string; typeName: string } & Record<string, unknown>


type SerializedSchema = ReturnType<typeof documentSchema.serialize>
type StoreSnapshot = Parameters<typeof documentSchema.migrateStoreSnapshot>[0]


/** A .tldr file that cannot become a board; the message says why (and names the first bad record). */
export class InvalidTldrError extends Error {}

function isRecord(value: unknown): value is TldrRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string' && typeof (value as { typeName?: unknown }).typeName === 'string'
}

/** The .tldr file of a board whose records map holds `records` (non-document records are left out). */
export function exportTldr(records: Iterable<unknown>): TldrFile {
  const kept: TldrRecord[] = []
  for (const record of records) if (isRecord(record) && DOCUMENT_TYPES.has(record.typeName)) kept.push(record)
  return { tldrawFileFormatVersion: 1, schema: documentSchema.serialize(), records: kept }
}

/** A record id, shortened for an error message. */
const named = (id: string) => (id.length > 60 ? `${id.slice(0, 60)}…` : id)

/**
 * The document records of a .tldr file's text, migrated to the current tldraw schema and each
 * validated as a live edit would be (tldraw's validators, rich text, no image bytes in the
 * document). Throws InvalidTldrError on the first problem: nothing of a bad file is used.
 */
export function importTldr(text: string): TldrRecord[] {
  let file: unknown
  try {
    file = JSON.parse(text)
  } catch {
    throw new InvalidTldrError('not a .tldr file: the content is not JSON')
  }
  if (typeof file !== 'object' || file === null) throw new InvalidTldrError('not a .tldr file: expected a JSON object')
  const { tldrawFileFormatVersion, schema: fileSchema, records } = file as Record<string, unknown>
  if (typeof tldrawFileFormatVersion !== 'number') throw new InvalidTldrError('not a .tldr file: tldrawFileFormatVersion is missing')
  if (tldrawFileFormatVersion > 1) throw new InvalidTldrError(`file format version ${tldrawFileFormatVersion} is newer than this app reads (1)`)
  if (typeof fileSchema !== 'object' || fileSchema === null) throw new InvalidTldrError('not a .tldr file: schema is missing')
  if (!Array.isArray(records)) throw new InvalidTldrError('not a .tldr file: records must be an array')

  const store: Record<string, TldrRecord> = {}
  for (const record of records) {
    if (!isRecord(record)) throw new InvalidTldrError('a record without an id or typeName')
    if (store[record.id]) throw new InvalidTldrError(`record ${named(record.id)}: appears twice`)
    store[record.id] = record
  }
  let migrated: ReturnType<typeof documentSchema.migrateStoreSnapshot>
  try {
    migrated = documentSchema.migrateStoreSnapshot({ store, schema: fileSchema } as unknown as StoreSnapshot)
  } catch (error) {
    throw new InvalidTldrError(`the file's schema cannot be read: ${(error as Error).message}`.slice(0, 200))
  }
  if (migrated.type === 'error') {
    throw new InvalidTldrError(`the file cannot be migrated to this app's tldraw version (${migrated.reason}): it may come from a newer tldraw`)
  }

  const kept: TldrRecord[] = []
  for (const record of Object.values(migrated.value) as unknown as TldrRecord[]) {
    if (!DOCUMENT_TYPES.has(record.typeName)) continue
    checkRecord(record)
    kept.push(record)
  }
  return kept
}

function checkRecord(record: TldrRecord): void {
  const problem = recordProblem(record)
  if (problem?.kind === 'embedded-image') {
    throw new InvalidTldrError(`record ${named(record.id)}: embedded image data is not accepted (images must be uploaded to the board)`)
  }
  if (problem?.kind === 'invalid') throw new InvalidTldrError(`record ${named(record.id)}: ${problem.message}`.slice(0, 300))
  if (problem?.kind === 'rich-text') throw new InvalidTldrError(`record ${named(record.id)}: invalid rich text: ${problem.message}`)
}
