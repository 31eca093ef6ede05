import {
  InstancePresenceRecordType,
  createUserId,
  react,
  type Signal,
  type TLInstancePresence,
  type TLRecord,
  type TLStore,
} from 'tldraw'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { checkRichText, richTextOf } from '../richText.ts'

/** Transaction origin of the store's own changes, so the Y.Map observer does not echo them back. */
export const LOCAL_STORE_ORIGIN = Symbol('tldraw-store')

/** Called for a remote record that is dropped instead of reaching the store. */
export type SkippedRecordReporter = (id: string, reason: unknown) => void

/** The default reporter: a console warning naming the record (never its content). */
export const warnSkippedRecord: SkippedRecordReporter = (id, reason) => {
  console.warn(`sync: skipped remote record ${id}:`, reason instanceof Error ? reason.message : reason)
}

/**
 * Checks a remote record against the store's schema and its rich text against the schema tldraw
 * renders it with; returns null for anything tldraw would reject or fail to render (wrong shape,
 * unknown type, a non-document record, broken rich text), so one bad record cannot break the
 * editor. A skipped record stays in the Y.Doc untouched (quarantined): only the store misses it.
 */
function acceptRemoteRecord(store: TLStore, value: unknown, report: SkippedRecordReporter, key: string): TLRecord | null {
  try {
    if (typeof value !== 'object' || value === null) throw new Error('not an object')
    const record = value as TLRecord
    if (record.id !== key) throw new Error('id does not match its key')
    if (!store.scopedTypes.document.has(record.typeName)) throw new Error(`not a document record (${String(record.typeName)})`)
    const existing = store.get(record.id) ?? null
    const valid = store.schema.validateRecord(store, record, existing ? 'updateRecord' : 'createRecord', existing)
    const richText = richTextOf(valid)
    if (richText !== undefined) checkRichText(richText)
    return valid
  } catch (error) {
    report(key, error)
    return null
  }
}

/** Puts remote records into the store as remote changes (outside the local undo stack). */
function mergeRemoteRecords(store: TLStore, puts: TLRecord[], removals: TLRecord['id'][]): void {
  if (puts.length === 0 && removals.length === 0) return
  store.mergeRemoteChanges(() => {
    const present = removals.filter((id) => store.has(id))
    if (present.length > 0) store.remove(present)
    if (puts.length > 0) store.put(puts)
  })
}

/**
 * A board with more records than this opens in steps: these first (the document, its pages and
 * assets, then the shapes nearest the top-left of the page, where a new camera looks), the rest in
 * chunks of this size, one task each, so the editor shows the board and stays responsive while
 * tldraw mounts thousands of shapes. New records arriving in that time join the queue; changes to
 * records already shown apply at once.
 */
export const LOAD_CHUNK = 500

/** Where a fresh camera looks (page coordinates): shapes outside it come after those inside. */
const FIRST_VIEW = { width: 1_600, height: 1_000 }

/**
 * The order records reach the store when they come in chunks: other document records (document,
 * pages, assets) first; then shapes, parents before children, nearest the first view first; then
 * bindings, once the shapes they join are there.
 */
function loadRank(yRecords: Y.Map<TLRecord>, value: unknown): [number, number] {
  const record = value as Partial<{ typeName: string; parentId: string; x: number; y: number }> | null
  if (!record || typeof record !== 'object') return [0, 0]
  if (record.typeName === 'binding') return [Number.MAX_SAFE_INTEGER, 0]
  if (record.typeName !== 'shape') return [0, 0]
  let depth = 1
  for (let parent = record.parentId; typeof parent === 'string' && parent.startsWith('shape:') && depth < 64; depth++) {
    parent = (yRecords.get(parent) as Partial<{ parentId: string }> | undefined)?.parentId
  }
  if (depth > 1 || typeof record.x !== 'number' || typeof record.y !== 'number') return [depth, 0]
  const dx = Math.max(0, -record.x, record.x - FIRST_VIEW.width)
  const dy = Math.max(0, -record.y, record.y - FIRST_VIEW.height)
  return [depth, dx + dy]
}

/**
 * Keeps a tldraw store and a Y.Map of its document records in step. The map's current content is
 * loaded first (in chunks on a big board, see LOAD_CHUNK); afterwards only the user's own document
 * changes go to Yjs, and remote changes are merged into the store as remote changes. Returns a
 * function that stops the binding.
 */
export interface RecordBindingOptions {
  /** Mirror remote records only; the store's own changes never reach Yjs (view-only links). */
  readOnly?: boolean
  onSkippedRecord?: SkippedRecordReporter
}

export function bindStoreToYRecords(store: TLStore, yRecords: Y.Map<TLRecord>, options: RecordBindingOptions = {}): () => void {
  const report = options.onSkippedRecord ?? warnSkippedRecord
  const doc = yRecords.doc
  if (!doc) throw new Error('the Y.Map must belong to a Y.Doc')

  /** Puts what the map holds now for these keys into the store (or removes what it no longer holds). */
  const applyKeys = (keys: Iterable<string>) => {
    const puts: TLRecord[] = []
    const removals: TLRecord['id'][] = []
    for (const key of keys) {
      const value = yRecords.get(key)
      if (value === undefined) {
        removals.push(key as TLRecord['id'])
        continue
      }
      const record = acceptRemoteRecord(store, value, report, key)
      if (record) puts.push(record)
    }
    mergeRemoteRecords(store, puts, removals)
  }

  // Keys of records not in the store yet, waiting for their chunk; `queue` holds them in load order.
  const waiting = new Set<string>()
  let queue: string[] = []
  let queueSorted = true
  let chunkTimer: ReturnType<typeof setTimeout> | null = null
  const loadNextChunk = () => {
    chunkTimer = null
    if (!queueSorted) {
      const ranks = new Map(queue.filter((key) => waiting.has(key)).map((key) => [key, loadRank(yRecords, yRecords.get(key))]))
      queue = [...ranks.keys()].sort((a, b) => ranks.get(a)![0] - ranks.get(b)![0] || ranks.get(a)![1] - ranks.get(b)![1])
      queueSorted = true
    }
    const chunk: string[] = []
    while (chunk.length < LOAD_CHUNK && queue.length > 0) {
      const key = queue.shift()!
      if (waiting.delete(key)) chunk.push(key)
    }
    applyKeys(chunk)
    if (waiting.size > 0) chunkTimer = setTimeout(loadNextChunk, 0)
  }
  const enqueue = (keys: string[]) => {
    for (const key of keys) {
      if (waiting.has(key)) continue
      waiting.add(key)
      queue.push(key)
    }
    queueSorted = false
  }

  const initial = [...yRecords.keys()]
  if (initial.length > LOAD_CHUNK) {
    enqueue(initial)
    loadNextChunk()
  } else {
    applyKeys(initial)
  }

  const stopListening = options.readOnly
    ? () => {}
    : store.listen(
        ({ changes }) => {
          // tldraw hands changes to listeners on the next animation frame, so a remote value may
          // have reached the store since the change was made: write what the store holds now, not
          // the change's own copy, or the map would get a stale value the store no longer shows.
          const ids = [...Object.keys(changes.added), ...Object.keys(changes.updated), ...Object.keys(changes.removed)] as TLRecord['id'][]
          doc.transact(() => {
            for (const id of ids) {
              const current = store.get(id)
              if (current) yRecords.set(id, current)
              else if (yRecords.has(id)) yRecords.delete(id)
            }
          }, LOCAL_STORE_ORIGIN)
        },
        { source: 'user', scope: 'document' },
      )

  const applyRemoteChanges = (event: Y.YMapEvent<TLRecord>, transaction: Y.Transaction) => {
    if (transaction.origin === LOCAL_STORE_ORIGIN) return
    // Changes to records the store holds apply now; new records wait in the queue while it is busy
    // (or when they are many), and a queued record is read from the map when its chunk comes.
    const now: string[] = []
    const added: string[] = []
    for (const key of event.changes.keys.keys()) {
      if (waiting.has(key)) {
        if (!yRecords.has(key)) waiting.delete(key)
      } else if (store.has(key as TLRecord['id']) || !yRecords.has(key)) {
        now.push(key)
      } else {
        added.push(key)
      }
    }
    if (waiting.size === 0 && added.length <= LOAD_CHUNK) now.push(...added)
    else enqueue(added)
    applyKeys(now)
    if (waiting.size > 0 && chunkTimer === null) chunkTimer = setTimeout(loadNextChunk, 0)
  }
  yRecords.observe(applyRemoteChanges)

  return () => {
    stopListening()
    if (chunkTimer !== null) clearTimeout(chunkTimer)
    yRecords.unobserve(applyRemoteChanges)
  }
}

/** The store id of a remote peer's presence record: one per awareness client (tab). */
export function presenceIdForClient(clientId: number): TLInstancePresence['id'] {
  return InstancePresenceRecordType.createId(`awareness-${clientId}`)
}

// The sync server writes the token's raw user id into presence.userId; tldraw expects `user:…` ids.
function asTldrawUserId(id: unknown): unknown {
  return typeof id === 'string' && !id.startsWith('user:') ? createUserId(id) : id
}

function acceptRemotePresence(store: TLStore, clientId: number, value: unknown, report: SkippedRecordReporter): TLInstancePresence | null {
  const id = presenceIdForClient(clientId)
  try {
    if (typeof value !== 'object' || value === null) throw new Error('not an object')
    const raw = value as Record<string, unknown>
    const record = {
      ...raw,
      id,
      typeName: 'instance_presence',
      userId: asTldrawUserId(raw.userId),
      followingUserId: raw.followingUserId === null || raw.followingUserId === undefined ? null : asTldrawUserId(raw.followingUserId),
    } as unknown as TLInstancePresence
    const existing = store.get(id) ?? null
    return store.schema.validateRecord(store, record, existing ? 'updateRecord' : 'createRecord', existing) as TLInstancePresence
  } catch (error) {
    report(id, error)
    return null
  }
}

/** Milliseconds between two presence broadcasts of this tab (cursor moves are frequent). */
export const PRESENCE_THROTTLE_MS = 33

/**
 * Publishes this tab's tldraw presence (cursor, selection, camera, name) in the awareness field
 * `presence`, and mirrors the other peers' presence into the store as instance_presence records,
 * which is what tldraw's cursors, people menu and follow mode read.
 */
export function bindPresenceToAwareness(
  store: TLStore,
  awareness: Awareness,
  presence: Signal<TLInstancePresence | null>,
  report: SkippedRecordReporter = warnSkippedRecord,
): () => void {
  let publishTimer: ReturnType<typeof setTimeout> | null = null
  const publish = () => {
    publishTimer = null
    awareness.setLocalStateField('presence', presence.get())
  }
  const stopReacting = react('publish presence', () => {
    presence.get()
    if (publishTimer === null) publishTimer = setTimeout(publish, PRESENCE_THROTTLE_MS)
  })

  const applyAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    const puts: TLRecord[] = []
    const removals: TLRecord['id'][] = []
    for (const clientId of [...added, ...updated]) {
      if (clientId === awareness.clientID) continue
      const state = awareness.getStates().get(clientId)
      if (!state?.presence) {
        removals.push(presenceIdForClient(clientId))
        continue
      }
      const record = acceptRemotePresence(store, clientId, state.presence, report)
      if (record) puts.push(record)
    }
    for (const clientId of removed) removals.push(presenceIdForClient(clientId))
    store.mergeRemoteChanges(() => {
      const present = removals.filter((id) => store.has(id))
      if (present.length > 0) store.remove(present)
      if (puts.length > 0) store.put(puts)
    })
  }
  awareness.on('change', applyAwareness)

  return () => {
    stopReacting()
    if (publishTimer !== null) clearTimeout(publishTimer)
    awareness.off('change', applyAwareness)
    awareness.setLocalStateField('presence', null)
    const ids = store.query.ids('instance_presence').get()
    if (ids.size > 0) store.mergeRemoteChanges(() => store.remove([...ids]))
  }
}
