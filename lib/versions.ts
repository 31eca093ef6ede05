/**
 * Version history: the shapes of what the app's API answers (docs/versions.md) and the checks
 * every side applies to what it is sent. A version is the board's complete, garbage-collected
 * Yjs state at a moment, with who edited since the version before it.
 */

/** `auto`: made by the sync server after a burst of edits; `named`: saved by a person with a label; `before-restore`: the state a restore replaced. */
export type VersionKind = 'auto' | 'named' | 'before-restore'

export const VERSION_KINDS: readonly VersionKind[] = ['auto', 'named', 'before-restore']

/** Someone who edited the board between the previous version and this one, as their token named them. */
export interface VersionAuthor {
  id: string
  name: string
}

/** One version as `GET /api/boards/<roomId>/versions` lists it (newest first). */
export interface VersionSummary {
  id: string
  /** ISO 8601. */
  createdAt: string
  kind: VersionKind
  label: string | null
  authors: VersionAuthor[]
  shapeCount: number
}

/** `GET /api/boards/<roomId>/versions/<id>`: the version and its records, as a `.tldr` file's records. */
export interface VersionDetail {
  version: VersionSummary
  records: unknown[]
}

/** The longest label, in characters. */
export const VERSION_LABEL_MAX_CHARS = 100

/** A version id as the store makes them: 128 random bits, base64url. */
const VERSION_ID = /^[A-Za-z0-9_-]{22}$/

export function isValidVersionId(id: unknown): id is string {
  return typeof id === 'string' && VERSION_ID.test(id)
}

/**
 * A label as a person typed it: trimmed plain text on one line, at most VERSION_LABEL_MAX_CHARS,
 * no control characters. Returns the label to store, or an error message to answer with (400).
 */
export function checkVersionLabel(label: unknown): { label: string } | { error: string } {
  if (typeof label !== 'string') return { error: 'label must be a string' }
  const trimmed = label.trim()
  if (trimmed.length === 0) return { error: 'label must not be empty' }
  if ([...trimmed].length > VERSION_LABEL_MAX_CHARS) return { error: `label must be at most ${VERSION_LABEL_MAX_CHARS} characters` }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(trimmed)) return { error: 'label must be plain text on one line' }
  return { label: trimmed }
}
