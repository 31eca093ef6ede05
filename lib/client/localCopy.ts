import { atom, type Signal } from 'tldraw'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import type { SerializedSchemaVersions } from '../protocol.ts'
import { BOARD_RECORDS_MAP } from '../protocol.ts'

/**
 * The board's copy in this browser: one IndexedDB database per link (y-indexeddb, bound to the
 * board's Y.Doc), holding the document, what this browser knows about the board, and the records
 * it changed that the server has not acknowledged yet. docs/offline.md says what is stored.
 */

/** Which link a copy belongs to (`b`: edit, `v`: view-only) — the same shape as BoardLink. */
export interface LocalCopyLink {
  kind: 'b' | 'v'
  id: string
}

/** What this browser knows about a board besides its document. */
export interface LocalCopyMeta {
  /** The guest id the copy was written under (the token's `sub`). */
  userId: string
  /** When the copy last held everything the server had (a completed first sync). */
  syncedAt: number
  /** The tldraw schema of the app that wrote the copy. */
  schema: SerializedSchemaVersions
}

/** ok: changes are written to this device · unavailable: no IndexedDB (private mode, disabled) · full: the browser's quota was hit. */
export type LocalCopyHealth = 'ok' | 'unavailable' | 'full'

export interface LocalCopy {
  /** What the copy held when it was opened; null for a board this browser never synced. */
  readonly meta: LocalCopyMeta | null
  /** Records in the copy's document when it was read: a board with none waits for the server. */
  readonly recordCount: number
  readonly health: Signal<LocalCopyHealth>
  /** The last storage error, for the user (e.g. the quota message). */
  readonly error: Signal<string | null>
  /** Ids of records changed here and not yet acknowledged by the server, across reloads. */
  readonly pending: Signal<ReadonlySet<string>>
  setMeta(meta: LocalCopyMeta): Promise<void>
  /** Adds records this browser changed. */
  addPending(ids: Iterable<string>): void
  /** The server has stored everything this browser sent: nothing is waiting any more. */
  clearPending(): void
  /** Stops writing (the data stays). */
  close(): Promise<void>
  /** Deletes the copy from this browser. */
  drop(): Promise<void>
}

const NAME_PREFIX = 'whiteboard-board:'
const META_KEY = 'meta'
const PENDING_KEY = 'pending'
// A browser whose IndexedDB never answers (seen in some private modes) must not keep the board from opening.
const OPEN_TIMEOUT_MS = 5_000

/** The IndexedDB database name of a link's copy. */
export function localCopyName(link: LocalCopyLink): string {
  return `${NAME_PREFIX}${link.kind}:${link.id}`
}

/** The link a database name belongs to, or null for databases that are not board copies. */
export function linkOfLocalCopy(name: string): LocalCopyLink | null {
  if (!name.startsWith(NAME_PREFIX)) return null
  const [kind, id] = name.slice(NAME_PREFIX.length).split(':')
  return (kind === 'b' || kind === 'v') && id ? { kind, id } : null
}

/** What a failed write of the copy means for the user: the quota (named as such) or another storage error. */
export function describeStorageError(error: DOMException | Error | null | undefined): { health: LocalCopyHealth; message: string } {
  if (error?.name === 'QuotaExceededError') {
    return { health: 'full', message: 'This device is out of storage for boards: new changes are not kept here until space is freed.' }
  }
  return { health: 'unavailable', message: `Changes cannot be kept on this device (${error?.message ?? 'storage error'}).` }
}

function isMeta(value: unknown): value is LocalCopyMeta {
  const meta = value as Partial<LocalCopyMeta> | null
  return typeof meta?.userId === 'string' && typeof meta.syncedAt === 'number' && typeof meta.schema === 'object' && meta.schema !== null
}

function unavailableCopy(message: string): LocalCopy {
  return {
    meta: null,
    recordCount: 0,
    health: atom('local copy health', 'unavailable'),
    error: atom('local copy error', message),
    pending: atom<ReadonlySet<string>>('pending changes', new Set()),
    setMeta: async () => {},
    addPending: () => {},
    clearPending: () => {},
    close: async () => {},
    drop: async () => {},
  }
}

export interface LocalCopyOptions {
  /**
   * Keep only the changes whose transaction origin passes this test (a view-only link keeps what
   * came from the server and nothing else, so it never holds edits to send). Every change is kept
   * when it is absent.
   */
  keepOrigin?: (origin: unknown) => boolean
}

/** Transaction origin of the copy's content when it is loaded into a board's document. */
export const LOCAL_COPY_ORIGIN = Symbol('local copy')

/**
 * Opens (or creates) the copy of `link` in this browser and loads it into `doc`; from then on
 * every change to `doc` (or each kept one) is written to it. Never rejects: without IndexedDB the
 * copy reports `unavailable` and the board works online only.
 */
export async function openLocalCopy(link: LocalCopyLink, doc: Y.Doc, options: LocalCopyOptions = {}): Promise<LocalCopy> {
  if (!globalThis.indexedDB) return unavailableCopy('This browser has no IndexedDB: changes are kept only while the page is open.')
  // A filtered copy is a second document that receives only the kept changes; y-indexeddb stores it.
  const keepOrigin = options.keepOrigin
  const stored = keepOrigin ? new Y.Doc() : doc
  const persistence = new IndexeddbPersistence(localCopyName(link), stored)
  let timer: ReturnType<typeof setTimeout> | undefined
  const loaded = await Promise.race([
    persistence.whenSynced.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS))),
  ])
  clearTimeout(timer)
  if (!loaded || !persistence.db) {
    void persistence.destroy()
    return unavailableCopy('This browser did not open its local storage in time: changes are kept only while the page is open.')
  }
  let stopMirroring = () => {}
  if (keepOrigin) {
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(stored), LOCAL_COPY_ORIGIN)
    const mirror = (update: Uint8Array, origin: unknown) => {
      if (keepOrigin(origin)) Y.applyUpdate(stored, update, origin)
    }
    doc.on('update', mirror)
    stopMirroring = () => {
      doc.off('update', mirror)
      stored.destroy()
    }
  }

  // Ask the browser not to evict boards' copies under storage pressure (best effort; Chromium decides by engagement).
  void globalThis.navigator?.storage?.persist?.().catch(() => false)
  const health = atom<LocalCopyHealth>('local copy health', 'ok')
  const error = atom<string | null>('local copy error', null)
  const report = (event: Event) => {
    const failed = describeStorageError((event.target as IDBRequest | IDBTransaction | null)?.error)
    health.set(failed.health)
    error.set(failed.message)
  }
  // Errors and aborts of every request and transaction bubble up to the database.
  persistence.db.addEventListener('error', report)
  persistence.db.addEventListener('abort', report)
  // Another tab deletes this copy (the board is gone): let go of it so the deletion can go through.
  persistence.db.addEventListener('versionchange', () => void persistence.destroy())

  const [storedMeta, storedPending] = await Promise.all([persistence.get(META_KEY), persistence.get(PENDING_KEY)])
  const pending = atom<ReadonlySet<string>>(
    'pending changes',
    new Set(Array.isArray(storedPending) ? storedPending.filter((id): id is string => typeof id === 'string') : []),
  )
  let closed = false
  const savePending = () => {
    if (!closed) persistence.set(PENDING_KEY, [...pending.get()] as unknown as string).catch(() => {})
  }

  return {
    meta: isMeta(storedMeta) ? storedMeta : null,
    recordCount: doc.getMap(BOARD_RECORDS_MAP).size,
    health,
    error,
    pending,
    async setMeta(meta) {
      if (!closed) await persistence.set(META_KEY, meta as unknown as string).catch(() => {})
    },
    addPending(ids) {
      const next = new Set(pending.get())
      for (const id of ids) next.add(id)
      if (next.size === pending.get().size) return
      pending.set(next)
      savePending()
    },
    clearPending() {
      if (pending.get().size === 0) return
      pending.set(new Set())
      savePending()
    },
    async close() {
      closed = true
      stopMirroring()
      await persistence.destroy()
    },
    async drop() {
      closed = true
      stopMirroring()
      await persistence.destroy()
      await dropLocalCopy(link)
    },
  }
}

/** Deletes a link's copy from this browser (a board that was deleted, or the user's choice). */
export function dropLocalCopy(link: LocalCopyLink): Promise<void> {
  if (!globalThis.indexedDB) return Promise.resolve()
  return new Promise((resolve) => {
    const request = globalThis.indexedDB.deleteDatabase(localCopyName(link))
    // Blocked: another tab still has it open; it is deleted once that tab closes it.
    request.onsuccess = request.onerror = request.onblocked = () => resolve()
  })
}

/** The link a board page's path opens (`/b/<id>`, `/v/<id>`), or null for any other path. */
export function linkOfBoardPath(pathname: string): LocalCopyLink | null {
  const match = /^\/(b|v)\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname)
  return match ? { kind: match[1] as 'b' | 'v', id: match[2]! } : null
}

/** How many changes a link's copy holds that the server has not acknowledged (0 without a copy). */
export function pendingChangesOf(link: LocalCopyLink): Promise<number> {
  if (!globalThis.indexedDB) return Promise.resolve(0)
  return new Promise((resolve) => {
    const open = globalThis.indexedDB.open(localCopyName(link))
    open.onerror = () => resolve(0)
    open.onupgradeneeded = () => open.transaction?.abort()
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('custom')) {
        db.close()
        return resolve(0)
      }
      const read = db.transaction('custom', 'readonly').objectStore('custom').get(PENDING_KEY)
      read.onsuccess = () => {
        db.close()
        resolve(Array.isArray(read.result) ? read.result.length : 0)
      }
      read.onerror = () => {
        db.close()
        resolve(0)
      }
    }
  })
}

/** The links that have a copy in this browser (empty where the browser cannot list databases). */
export async function listLocalCopies(): Promise<LocalCopyLink[]> {
  if (!globalThis.indexedDB?.databases) return []
  const databases = await globalThis.indexedDB.databases().catch(() => [])
  return databases.flatMap(({ name }) => {
    const link = name ? linkOfLocalCopy(name) : null
    return link ? [link] : []
  })
}
