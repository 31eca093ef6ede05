import type { TLAssetId, TLRecord, TLShapeId, TLStore } from 'tldraw'

/**
 * What a version is compared with and restored over: the shared document's records. Instance,
 * camera, pointer and presence records are each browser's own and are never touched.
 */
const DOCUMENT_TYPE_NAMES: ReadonlySet<TLRecord['typeName']> = new Set(['document', 'page', 'shape', 'binding', 'asset'])

export function isDocumentRecord(record: TLRecord): boolean {
  return DOCUMENT_TYPE_NAMES.has(record.typeName)
}

/** The live store's document records (what a version holds). */
export function documentRecordsOf(store: TLStore): TLRecord[] {
  return store.allRecords().filter(isDocumentRecord)
}

/** Shapes that differ between a version and now, each list sorted by id. */
export interface VersionDiff {
  /** On the board now, not in the version. */
  added: TLShapeId[]
  /** In the version, gone from the board now. */
  deleted: TLShapeId[]
  /** In both, with any difference in the shape record (position, size, style, parent, order…). */
  changed: TLShapeId[]
}

/** Structural equality of JSON values (records as stored): key order does not matter, undefined keys equal absent ones. */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => isDeepEqual(item, b[index]))
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = new Set([...Object.keys(left), ...Object.keys(right)])
  for (const key of keys) if (!isDeepEqual(left[key], right[key])) return false
  return true
}

function byId(records: readonly TLRecord[]): Map<TLRecord['id'], TLRecord> {
  return new Map(records.map((record) => [record.id, record]))
}

function shapeIds(records: readonly TLRecord[]): TLShapeId[] {
  return records.filter((record) => record.typeName === 'shape').map((record) => record.id as TLShapeId)
}

/** The diff of a version's shapes against the board now. */
export function diffShapes(versionRecords: readonly TLRecord[], liveRecords: readonly TLRecord[]): VersionDiff {
  const version = byId(versionRecords)
  const live = byId(liveRecords)
  const added = shapeIds(liveRecords).filter((id) => !version.has(id))
  const deleted: TLShapeId[] = []
  const changed: TLShapeId[] = []
  for (const id of shapeIds(versionRecords)) {
    const now = live.get(id)
    if (!now) deleted.push(id)
    else if (!isDeepEqual(version.get(id), now)) changed.push(id)
  }
  return { added: added.sort(), deleted: deleted.sort(), changed: changed.sort() }
}

/** "1 deleted · 1 changed · 0 added": the counts the history view shows. */
export function describeDiff(diff: VersionDiff): string {
  return `${diff.deleted.length} deleted · ${diff.changed.length} changed · ${diff.added.length} added`
}

/** Records to write and to remove to make the live document equal (in part) to a version. */
export interface RecordChanges {
  put: TLRecord[]
  remove: TLRecord['id'][]
}

/**
 * Makes the whole document equal to the version: every document record of the version that is
 * missing or different now is put back, every document record made since is removed.
 */
export function planVersionRestore(versionRecords: readonly TLRecord[], liveRecords: readonly TLRecord[]): RecordChanges {
  const version = byId(versionRecords.filter(isDocumentRecord))
  const live = byId(liveRecords.filter(isDocumentRecord))
  const put = [...version.values()].filter((record) => !isDeepEqual(record, live.get(record.id)))
  const remove = [...live.keys()].filter((id) => !version.has(id))
  return { put, remove }
}

/**
 * Restores only the given shapes as the version has them (re-created if deleted, reset if changed),
 * with what they need to show: their children in the version (a group or frame comes back whole),
 * ancestors and images' assets missing now, and the version's bindings between shapes that exist
 * afterwards. Nothing is removed and every other shape stays as it is now.
 */
export function planShapeRestore(versionRecords: readonly TLRecord[], liveRecords: readonly TLRecord[], ids: readonly TLShapeId[]): RecordChanges {
  const version = byId(versionRecords.filter(isDocumentRecord))
  const live = byId(liveRecords.filter(isDocumentRecord))
  const restored = new Map<TLRecord['id'], TLRecord>()

  const childrenOf = new Map<string, TLRecord[]>()
  for (const record of version.values()) {
    if (record.typeName !== 'shape') continue
    childrenOf.set(record.parentId, [...(childrenOf.get(record.parentId) ?? []), record])
  }
  const addWithDescendants = (record: TLRecord) => {
    if (restored.has(record.id)) return
    restored.set(record.id, record)
    for (const child of childrenOf.get(record.id) ?? []) addWithDescendants(child)
  }
  for (const id of ids) {
    const record = version.get(id)
    if (record?.typeName === 'shape') addWithDescendants(record)
  }

  for (const record of [...restored.values()]) {
    if (record.typeName !== 'shape') continue
    let parentId: string = record.parentId
    while (!live.has(parentId as TLRecord['id']) && !restored.has(parentId as TLRecord['id'])) {
      const parent = version.get(parentId as TLRecord['id'])
      if (!parent) break
      restored.set(parent.id, parent)
      if (parent.typeName !== 'shape') break
      parentId = parent.parentId
    }
    const assetId = (record.props as { assetId?: TLAssetId | null }).assetId
    const asset = assetId ? version.get(assetId) : undefined
    if (asset && !live.has(asset.id)) restored.set(asset.id, asset)
  }

  const existsAfter = (id: string) => restored.has(id as TLRecord['id']) || live.has(id as TLRecord['id'])
  for (const record of version.values()) {
    if (record.typeName !== 'binding') continue
    const touchesRestored = restored.has(record.fromId) || restored.has(record.toId)
    if (touchesRestored && existsAfter(record.fromId) && existsAfter(record.toId)) restored.set(record.id, record)
  }

  const put = [...restored.values()].filter((record) => !isDeepEqual(record, live.get(record.id)))
  return { put, remove: [] }
}

/** What applyRecordChanges needs of tldraw's editor (an Editor satisfies it). */
export interface UndoableStore {
  store: TLStore
  markHistoryStoppingPoint(name?: string): string
  run(fn: () => void): unknown
}

/**
 * Applies the changes as ONE step of the editor's undo history: a stopping point, then one batch of
 * local ('user') store changes, which the undo manager records and the binding sends to everyone.
 */
export function applyRecordChanges(editor: UndoableStore, changes: RecordChanges, name = 'restore version'): void {
  if (changes.put.length === 0 && changes.remove.length === 0) return
  editor.markHistoryStoppingPoint(name)
  editor.run(() => {
    if (changes.put.length > 0) editor.store.put(changes.put)
    if (changes.remove.length > 0) editor.store.remove(changes.remove)
  })
}
