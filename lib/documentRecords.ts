import { createTLSchema } from '@tldraw/tlschema'
import { checkRichText, InvalidRichTextError, richTextOf } from './richText.ts'

/**
 * What a record must be to enter a board's shared document, checked in one place for live edits
 * (server/room/validation.ts) and imported files (lib/tldr.ts).
 */

/** tldraw's schema as this build reads it. */
export const documentSchema = createTLSchema()

/** Record types that belong in the shared document (document, page, shape, binding, asset), not session or presence state. */
export const DOCUMENT_TYPES: ReadonlySet<string> = new Set(
  Object.entries(documentSchema.types)
    .filter(([, type]) => (type as { scope: string }).scope === 'document')
    .map(([name]) => name),
)

/** Why a record cannot be stored, by kind, or null when it can: each caller words its own error. */
export type RecordProblem = { kind: 'embedded-image' } | { kind: 'invalid'; message: string } | { kind: 'rich-text'; message: string }

/** Checks a document record: no image bytes in an asset, tldraw's validation, rich text inside the schema tldraw renders. */
export function recordProblem(record: { typeName: string }): RecordProblem | null {
  const src = (record as { props?: { src?: unknown } }).props?.src
  if (record.typeName === 'asset' && typeof src === 'string' && src.startsWith('data:')) return { kind: 'embedded-image' }
  try {
    documentSchema.validateRecord(null as never, record as never, 'initialize', null)
  } catch (error) {
    return { kind: 'invalid', message: (error as Error).message }
  }
  const richText = richTextOf(record)
  if (richText === undefined) return null
  try {
    checkRichText(richText)
  } catch (error) {
    if (!(error instanceof InvalidRichTextError)) throw error
    return { kind: 'rich-text', message: error.message }
  }
  return null
}
