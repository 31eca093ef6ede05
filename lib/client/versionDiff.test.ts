import { describe, expect, it } from 'vitest'
import {
  AssetRecordType,
  DocumentRecordType,
  HistoryManager,
  PageRecordType,
  TLDOCUMENT_ID,
  createBindingId,
  createShapeId,
  createTLStore,
  type TLArrowBinding,
  type TLGeoShape,
  type TLRecord,
  type TLShapeId,
  type TLStore,
} from 'tldraw'
import { geoShapeRecord } from '../shapeRecord.ts'
import {
  applyRecordChanges,
  describeDiff,
  diffShapes,
  documentRecordsOf,
  isDeepEqual,
  planShapeRestore,
  planVersionRestore,
  type UndoableStore,
} from './versionDiff.ts'

const PAGE_ID = PageRecordType.createId('page')
const documentRecord = DocumentRecordType.create({ id: TLDOCUMENT_ID })
const page = PageRecordType.create({ id: PAGE_ID, name: 'Page 1', index: 'a1' as never })

function geo(id: string, fields: { x?: number; parentId?: string } = {}): TLGeoShape {
  return geoShapeRecord(createShapeId(id), { x: fields.x ?? 0, parentId: fields.parentId ?? PAGE_ID }) as unknown as TLGeoShape
}

function moved(shape: TLGeoShape, x: number): TLGeoShape {
  return { ...shape, x }
}

function arrowBinding(id: string, fromId: TLShapeId, toId: TLShapeId): TLArrowBinding {
  return {
    id: createBindingId(id),
    typeName: 'binding',
    type: 'arrow',
    fromId,
    toId,
    meta: {},
    props: { terminal: 'end', normalizedAnchor: { x: 0.5, y: 0.5 }, isExact: false, isPrecise: false, snap: 'none' },
  } as TLArrowBinding
}

const ids = (records: readonly TLRecord[]) => records.map((record) => record.id).sort()

describe('isDeepEqual', () => {
  it('compares JSON values structurally, ignoring key order', () => {
    expect(isDeepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true)
    expect(isDeepEqual({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [2, 1] } })).toBe(false)
    expect(isDeepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(isDeepEqual([1], { 0: 1 })).toBe(false)
    expect(isDeepEqual(null, {})).toBe(false)
    expect(isDeepEqual(geo('a'), geo('a'))).toBe(true)
    expect(isDeepEqual(geo('a'), moved(geo('a'), 5))).toBe(false)
  })
})

describe('diffShapes', () => {
  it('finds shapes added, deleted and changed since the version', () => {
    const version = [documentRecord, page, geo('kept'), geo('deleted'), geo('moved', { x: 10 })]
    const live = [documentRecord, page, geo('kept'), moved(geo('moved', { x: 10 }), 300), geo('new')]
    const diff = diffShapes(version, live)
    expect(diff).toEqual({ added: [createShapeId('new')], deleted: [createShapeId('deleted')], changed: [createShapeId('moved')] })
    expect(describeDiff(diff)).toBe('1 deleted · 1 changed · 1 added')
  })

  it('finds nothing between equal states, whatever the order of records and keys', () => {
    const shape = geo('a')
    const reordered = Object.fromEntries(Object.entries(shape).reverse()) as unknown as TLGeoShape
    expect(diffShapes([page, shape], [reordered, page])).toEqual({ added: [], deleted: [], changed: [] })
  })

  it('counts a change of style or parent as a change', () => {
    const frame = geo('frame')
    const styled = { ...geo('a'), props: { ...geo('a').props, color: 'red' } } as TLGeoShape
    const reparented = geo('b', { parentId: frame.id })
    const diff = diffShapes([page, frame, geo('a'), geo('b')], [page, frame, styled, reparented])
    expect(diff.changed).toEqual([createShapeId('a'), createShapeId('b')])
  })
})

describe('planVersionRestore', () => {
  it('puts back what is missing or different and removes what was made since; leaves equal records alone', () => {
    const version = [documentRecord, page, geo('kept'), geo('deleted'), geo('moved')]
    const live: TLRecord[] = [documentRecord, page, geo('kept'), moved(geo('moved'), 300), geo('new')]
    const changes = planVersionRestore(version, live)
    expect(ids(changes.put)).toEqual([createShapeId('deleted'), createShapeId('moved')].sort())
    expect(changes.put.find((record) => record.id === createShapeId('moved'))).toEqual(geo('moved'))
    expect(changes.remove).toEqual([createShapeId('new')])
  })

  it('never touches records that are not the document (instance, camera, presence)', () => {
    const store = createTLStore({})
    ;(store as unknown as { ensureStoreIsUsable(): void }).ensureStoreIsUsable()
    const live = store.allRecords()
    expect(live.some((record) => record.typeName === 'instance')).toBe(true)
    const changes = planVersionRestore([documentRecord, page], live)
    expect(changes.remove.every((id) => ['document', 'page', 'shape', 'binding', 'asset'].includes(id.split(':')[0]))).toBe(true)
  })
})

describe('planShapeRestore', () => {
  it('re-creates a deleted shape and resets a changed one, leaving every other shape as it is now', () => {
    const version = [documentRecord, page, geo('deleted'), geo('moved'), geo('other')]
    const live = [documentRecord, page, moved(geo('moved'), 300), moved(geo('other'), 500), geo('new')]
    const changes = planShapeRestore(version, live, [createShapeId('deleted'), createShapeId('moved')])
    expect(changes.put).toEqual([geo('deleted'), geo('moved')])
    expect(changes.remove).toEqual([])
  })

  it('skips a selected shape that is unchanged, and ids the version does not hold', () => {
    const changes = planShapeRestore([page, geo('same')], [page, geo('same')], [createShapeId('same'), createShapeId('unknown')])
    expect(changes.put).toEqual([])
  })

  it('brings a group back whole, with a deleted parent, its image asset and the bindings between restored shapes', () => {
    const frame = geo('frame')
    const child = geo('child', { parentId: frame.id })
    const asset = AssetRecordType.create({
      id: AssetRecordType.createId('img'),
      type: 'image',
      props: { name: 'a.png', src: '/api/assets/x', w: 10, h: 10, mimeType: 'image/png', isAnimated: false },
    })
    const image = { ...geo('image', { parentId: frame.id }), type: 'image', props: { assetId: asset.id, w: 10, h: 10 } } as unknown as TLRecord
    const target = geo('target')
    const binding = arrowBinding('arrow-to-target', child.id, target.id)
    const danglingBinding = arrowBinding('to-gone', child.id, createShapeId('gone'))
    const version = [documentRecord, page, frame, child, image, asset, target, binding, danglingBinding, geo('gone')]
    const live = [documentRecord, page, target]

    expect(ids(planShapeRestore(version, live, [frame.id]).put)).toEqual(ids([frame, child, image, asset, binding]))
    // Restoring only the child brings back the frame it sits in (missing now), not the frame's other children.
    expect(ids(planShapeRestore(version, live, [child.id]).put)).toEqual(ids([frame, child, binding]))
  })
})

describe('applyRecordChanges', () => {
  /** An UndoableStore on a real store and tldraw's own HistoryManager, as the Editor wires them. */
  function undoableStore(): { target: UndoableStore; history: HistoryManager<TLRecord>; store: TLStore } {
    const store = createTLStore({})
    const history = new HistoryManager<TLRecord>({ store })
    const target: UndoableStore = {
      store,
      // What Editor.markHistoryStoppingPoint does (`_mark` is left out of tldraw's public types).
      markHistoryStoppingPoint: (name = 'mark') => {
        ;(history as unknown as { _mark(id: string): void })._mark(name)
        return name
      },
      run: (fn) => history.batch(fn),
    }
    return { target, history, store }
  }

  it('applies a whole restore as one undoable step: undo gives back exactly the state before it', () => {
    const { target, history, store } = undoableStore()
    store.put([documentRecord, page, geo('kept'), moved(geo('moved'), 300), geo('new')])
    target.markHistoryStoppingPoint('edits')
    const before = documentRecordsOf(store)
    const version = [documentRecord, page, geo('kept'), geo('moved'), geo('deleted')]

    applyRecordChanges(target, planVersionRestore(version, before))
    expect(diffShapes(version, documentRecordsOf(store))).toEqual({ added: [], deleted: [], changed: [] })

    history.undo()
    expect(diffShapes(before, documentRecordsOf(store))).toEqual({ added: [], deleted: [], changed: [] })
    history.redo()
    expect(diffShapes(version, documentRecordsOf(store))).toEqual({ added: [], deleted: [], changed: [] })
  })

  it('records nothing when there is nothing to change', () => {
    const { target, history, store } = undoableStore()
    store.put([documentRecord, page])
    const undosBefore = history.getNumUndos()
    applyRecordChanges(target, { put: [], remove: [] })
    expect(history.getNumUndos()).toBe(undosBefore)
  })
})
