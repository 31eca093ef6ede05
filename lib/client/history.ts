/** The browser's client of the versions API (`/api/boards/<roomId>/versions`, edit link only) and how the History panel names and groups versions. */
import type { TLRecord } from 'tldraw'
import { VERSION_LABEL_MAX_CHARS, type VersionKind, type VersionSummary } from '../versions.ts'

/** An answer other than the one expected; `message` is the server's `{ error }` reason when it gave one. */
export class VersionsApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

async function expectJson<T>(response: Response, expected: number): Promise<T> {
  if (response.status !== expected) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null
    const reason = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`
    throw new VersionsApiError(response.status, reason)
  }
  return (await response.json()) as T
}

function versionsUrl(roomId: string): string {
  return `/api/boards/${encodeURIComponent(roomId)}/versions`
}

/** Every version of the board, newest first. */
export async function listVersions(roomId: string, signal?: AbortSignal): Promise<VersionSummary[]> {
  return expectJson<VersionSummary[]>(await fetch(versionsUrl(roomId), { signal, cache: 'no-store' }), 200)
}

/** Saves the board as it is now (including edits made a moment ago) as a new version. */
export async function saveVersion(roomId: string, label: string, kind: Extract<VersionKind, 'named' | 'before-restore'> = 'named'): Promise<VersionSummary> {
  const response = await fetch(versionsUrl(roomId), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ label, kind }),
  })
  return expectJson<VersionSummary>(response, 201)
}

/** A version and its document records, in the format of a `.tldr` file's records. */
export async function loadVersion(roomId: string, versionId: string, signal?: AbortSignal): Promise<{ version: VersionSummary; records: TLRecord[] }> {
  const response = await fetch(`${versionsUrl(roomId)}/${encodeURIComponent(versionId)}`, { signal })
  return expectJson<{ version: VersionSummary; records: TLRecord[] }>(response, 200)
}

/** The clock time of a version, e.g. "14:05". */
export function versionTime(version: VersionSummary): string {
  return new Date(version.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/** How a version is named in the list and the viewer: its label, else its kind and time. */
export function versionTitle(version: VersionSummary): string {
  if (version.label) return version.label
  return version.kind === 'auto' ? `Autosave ${versionTime(version)}` : `Version ${versionTime(version)}`
}

function truncate(text: string, chars: number): string {
  const characters = [...text]
  return characters.length <= chars ? text : `${characters.slice(0, Math.max(0, chars - 1)).join('')}…`
}

/**
 * The label of the `before-restore` version a restore saves first, so the history shows who
 * restored what: `Before Ada restored "v1"` or `Before Ada restored 2 shapes from "v1"`. Kept
 * within VERSION_LABEL_MAX_CHARS by shortening the names.
 */
export function beforeRestoreLabel(personName: string, version: VersionSummary, shapeCount?: number): string {
  const who = truncate(personName.trim() || 'someone', 32)
  const what = shapeCount === undefined ? '' : `${shapeCount} shape${shapeCount === 1 ? '' : 's'} from `
  const fixed = `Before ${who} restored ${what}""`
  return `Before ${who} restored ${what}"${truncate(versionTitle(version), VERSION_LABEL_MAX_CHARS - [...fixed].length)}"`
}

export interface VersionDay {
  /** "Today", "Yesterday", or the date in the browser's locale. */
  title: string
  versions: VersionSummary[]
}

function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`
}

/** Groups versions (newest first) by local calendar day, keeping their order. */
export function groupVersionsByDay(versions: readonly VersionSummary[], now = new Date()): VersionDay[] {
  const today = dayKey(now)
  const yesterday = dayKey(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1))
  const days: (VersionDay & { key: string })[] = []
  for (const version of versions) {
    const created = new Date(version.createdAt)
    const key = dayKey(created)
    let day = days.at(-1)
    if (!day || day.key !== key) {
      const title =
        key === today
          ? 'Today'
          : key === yesterday
            ? 'Yesterday'
            : created.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short', year: created.getFullYear() === now.getFullYear() ? undefined : 'numeric' })
      day = { key, title, versions: [] }
      days.push(day)
    }
    day.versions.push(version)
  }
  return days.map(({ title, versions: dayVersions }) => ({ title, versions: dayVersions }))
}
