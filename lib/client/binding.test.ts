import { describe, expect, it, vi } from 'vitest'
import {
  ArrowShapeUtil,
  DocumentRecordType,
  HistoryManager,
  NoteShapeUtil,
  PageRecordType,
  TLDOCUMENT_ID,
  createShapeId,
  createTLStore,
  type TLGeoShape,
  type TLRecord,
  type TLStore,
  toRichText,
} from 'tldraw'
import { geoShapeRecord } from '../shapeRecord.ts'
import * as Y from 'yjs'
import { LOAD_CHUNK, bindStoreToYRecords } from './binding.ts'

const PAGE_ID = PageRecordType.createId('page')

/** What the editor does on mount: adds the document, a default page and session records if missing. */
function seedLikeTheEditor(store: TLStore): void {
  ;(store as unknown as { ensureStoreIsUsable(): void }).ensureStoreIsUsable()
}

function geoShape(id: string, x: number): TLGeoShape {
  return geoShapeRecord(createShapeId(id), { x, parentId: PAGE_ID }) as unknown as TLGeoShape
}

// tldraw's own default props (getDefaultProps reads nothing from the editor).
const noteProps = () => new NoteShapeUtil({} as never).getDefaultProps()
const arrowProps = () => new ArrowShapeUtil({} as never).getDefaultProps()

/** A store and a Y.Doc bound to each other, with the default document and page already in place. */
function boundPair(report = vi.fn()) {
  const doc = new Y.Doc()
  const yRecords = doc.getMap<TLRecord>('tldraw')
  const store: TLStore = createTLStore()
  const stop = bindStoreToYRecords(store, yRecords, { onSkippedRecord: report })
  store.put([DocumentRecordType.create({ id: TLDOCUMENT_ID }), PageRecordType.create({ id: PAGE_ID, name: 'Page 1', index: 'a1' as never })])
  return { doc, yRecords, store, stop, report }
}

/** Applies a change as another peer would: in a separate Y.Doc whose update is then merged in. */
function applyAsRemotePeer(doc: Y.Doc, change: (remoteRecords: Y.Map<TLRecord>) => void): void {
  const remote = new Y.Doc()
  Y.applyUpdate(remote, Y.encodeStateAsUpdate(doc))
  const before = Y.encodeStateVector(remote)
  change(remote.getMap<TLRecord>('tldraw'))
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote, before), 'remote-peer')
}

/**
 * Makes tldraw deliver store changes to listeners on the next animation frame, as in a browser
 * (under NODE_ENV=test it delivers them at once); frames never run on their own, and the
 * returned function puts the test-mode behaviour back.
 */
function deliverChangesOnNextFrame(): () => void {
  const globals = globalThis as { __FORCE_RAF_IN_TESTS__?: boolean; requestAnimationFrame?: unknown }
  const previous = globals.requestAnimationFrame
  globals.__FORCE_RAF_IN_TESTS__ = true
  globals.requestAnimationFrame = () => 0
  return () => {
    delete globals.__FORCE_RAF_IN_TESTS__
    globals.requestAnimationFrame = previous
  }
}

describe('bindStoreToYRecords', () => {
  it('loads records that are already in the map', () => {
    const doc = new Y.Doc()
    const yRecords = doc.getMap<TLRecord>('tldraw')
    const shape = geoShape('preloaded', 5)
    yRecords.set(PAGE_ID, PageRecordType.create({ id: PAGE_ID, name: 'Page 1', index: 'a1' as never }))
    yRecords.set(shape.id, shape)
    const store = createTLStore()
    bindStoreToYRecords(store, yRecords, { onSkippedRecord: vi.fn() })
    expect(store.get(shape.id)).toMatchObject({ x: 5 })
  })

  it('puts and removes remote records in the store', () => {
    const { doc, store } = boundPair()
    const shape = geoShape('remote', 10)
    applyAsRemotePeer(doc, (records) => records.set(shape.id, shape))
    expect(store.get(shape.id)).toMatchObject({ x: 10, props: { geo: 'rectangle' } })

    applyAsRemotePeer(doc, (records) => records.set(shape.id, { ...shape, x: 42 }))
    expect(store.get(shape.id)).toMatchObject({ x: 42 })

    applyAsRemotePeer(doc, (records) => records.delete(shape.id))
    expect(store.has(shape.id)).toBe(false)
  })

  it('writes the user’s own document changes to the map', () => {
    const { yRecords, store } = boundPair()
    const shape = geoShape('local', 1)
    store.put([shape])
    expect(yRecords.get(shape.id)).toMatchObject({ x: 1 })
    store.update(shape.id, (record) => ({ ...record, x: 7 }))
    expect(yRecords.get(shape.id)).toMatchObject({ x: 7 })
    store.remove([shape.id])
    expect(yRecords.has(shape.id)).toBe(false)
    expect(yRecords.has(TLDOCUMENT_ID)).toBe(true)
  })

  it('keeps session records (instance, camera, pointer) out of the map', () => {
    const { yRecords, store } = boundPair()
    seedLikeTheEditor(store)
    const types = new Set([...yRecords.values()].map((record) => record.typeName))
    expect([...types].sort()).toEqual(['document', 'page'])
    expect([...store.allRecords()].some((record) => record.typeName === 'instance')).toBe(true)
  })

  it('does not write remote changes back to the map as local ones', () => {
    const { doc, store } = boundPair()
    const updates: unknown[] = []
    doc.on('update', (_update: Uint8Array, origin: unknown) => updates.push(origin))
    applyAsRemotePeer(doc, (records) => records.set(createShapeId('echo'), geoShape('echo', 3)))
    expect(store.has(createShapeId('echo'))).toBe(true)
    expect(updates).toEqual(['remote-peer'])
  })

  it('leaves remote changes out of the local undo stack', () => {
    const { doc, store } = boundPair()
    const history = new HistoryManager({ store })
    const mine = geoShape('mine', 0)
    const theirs = geoShape('theirs', 200)

    history.batch(() => store.put([mine]))
    applyAsRemotePeer(doc, (records) => records.set(theirs.id, theirs))
    history.undo()

    expect(store.has(mine.id)).toBe(false)
    expect(store.get(theirs.id)).toMatchObject({ x: 200 })
    expect(history.getNumUndos()).toBe(0)
    history.dispose()
  })

  it('skips and reports a remote record the schema rejects, and keeps applying the rest', () => {
    const { doc, store, report } = boundPair()
    const good = geoShape('good', 1)
    const bad = { ...geoShape('bad', 2), props: { geo: 'rectangle', w: 'wide' } }
    const session = { id: 'instance:instance', typeName: 'instance' }
    applyAsRemotePeer(doc, (records) => {
      records.set(good.id, good)
      records.set(bad.id, bad as unknown as TLRecord)
      records.set(session.id, session as unknown as TLRecord)
      records.set('shape:mislabelled', good)
    })
    expect(store.has(good.id)).toBe(true)
    expect(store.has(bad.id)).toBe(false)
    expect(store.has('shape:mislabelled' as TLRecord['id'])).toBe(false)
    expect(report.mock.calls.map(([id]) => id).sort()).toEqual([bad.id, session.id, 'shape:mislabelled'].sort())
  })

  it('quarantines a stored record whose rich text tldraw cannot render: the board opens without it, the Y.Doc keeps it', () => {
    const doc = new Y.Doc()
    const yRecords = doc.getMap<TLRecord>('tldraw')
    const good = geoShape('good', 1)
    const poisoned = { ...geoShape('poisoned', 2), props: { ...geoShape('poisoned', 2).props, richText: { type: 'doc', content: [{ type: 'bogusNode' }] } } }
    yRecords.set(PAGE_ID, PageRecordType.create({ id: PAGE_ID, name: 'Page 1', index: 'a1' as never }))
    yRecords.set(good.id, good)
    yRecords.set(poisoned.id, poisoned as unknown as TLRecord)
    const store = createTLStore()
    const report = vi.fn()
    bindStoreToYRecords(store, yRecords, { onSkippedRecord: report })
    seedLikeTheEditor(store)

    expect(store.has(good.id)).toBe(true)
    expect(store.has(poisoned.id)).toBe(false)
    expect(report).toHaveBeenCalledTimes(1)
    expect(report.mock.calls[0][0]).toBe(poisoned.id)
    expect(String(report.mock.calls[0][1])).toMatch(/Unknown node type: bogusNode/)
    // Editing the rest of the board writes only what changed: the quarantined record stays as stored.
    store.update(good.id, (record) => ({ ...record, x: 50 }))
    expect(yRecords.get(good.id)).toMatchObject({ x: 50 })
    expect(yRecords.get(poisoned.id)).toEqual(poisoned)
  })

  it('skips remote rich text tldraw cannot render (note with an empty text node, arrow label with an unknown node)', () => {
    const { doc, yRecords, store, report } = boundPair()
    const emptyText = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] }
    const note = { ...geoShape('note', 0), type: 'note', props: { ...noteProps(), richText: emptyText } }
    const label = { ...geoShape('arrow', 0), type: 'arrow', props: { ...arrowProps(), richText: { type: 'doc', content: [{ type: 'bogusNode' }] } } }
    const fine = { ...geoShape('fine', 0), type: 'note', props: { ...noteProps(), richText: toRichText('fine') } }
    applyAsRemotePeer(doc, (records) => {
      for (const record of [note, label, fine]) records.set(record.id, record as unknown as TLRecord)
    })
    expect(store.has(fine.id)).toBe(true)
    expect(store.has(note.id)).toBe(false)
    expect(store.has(label.id)).toBe(false)
    expect(report.mock.calls.map(([id]) => id).sort()).toEqual([label.id, note.id].sort())
    expect(yRecords.has(note.id) && yRecords.has(label.id)).toBe(true)

    // A peer repairing the record brings it in.
    applyAsRemotePeer(doc, (records) => records.set(note.id, { ...note, props: { ...note.props, richText: toRichText('repaired') } } as unknown as TLRecord))
    expect(store.get(note.id as TLRecord['id'])).toMatchObject({ props: { richText: toRichText('repaired') } })
  })

  it('two stores seeding an empty board at once converge on one document and one page', () => {
    const a = boundPair()
    const b = boundPair()
    seedLikeTheEditor(a.store)
    seedLikeTheEditor(b.store)
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'b')
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), 'a')
    for (const { store } of [a, b]) {
      expect(store.query.ids('page').get().size).toBe(1)
      expect(store.query.ids('document').get().size).toBe(1)
    }
  })

  it('in read-only mode mirrors remote records but never writes local ones', () => {
    const doc = new Y.Doc()
    const yRecords = doc.getMap<TLRecord>('tldraw')
    const store = createTLStore()
    bindStoreToYRecords(store, yRecords, { readOnly: true, onSkippedRecord: vi.fn() })
    seedLikeTheEditor(store)
    expect(yRecords.size).toBe(0)
    applyAsRemotePeer(doc, (records) => records.set(createShapeId('seen'), geoShape('seen', 0)))
    expect(store.has(createShapeId('seen'))).toBe(true)
  })

  it('a local change still waiting for its frame never overwrites a newer remote value with a stale copy', () => {
    const restore = deliverChangesOnNextFrame()
    try {
      const { doc, yRecords, store } = boundPair()
      const moved = geoShape('moved', 0)
      const deleted = geoShape('deleted', 0)
      store.put([moved, deleted])
      store._flushHistory()

      // The user moves one shape and deletes the other; before the frame that hands these changes
      // to the binding, a peer's edits of both shapes arrive.
      store.update(moved.id, (record) => ({ ...record, x: 700 }))
      store.remove([deleted.id])
      applyAsRemotePeer(doc, (records) => {
        records.set(moved.id, { ...moved, x: 701 })
        records.set(deleted.id, { ...deleted, x: 5 })
      })
      store._flushHistory()

      for (const id of [moved.id, deleted.id]) {
        expect(yRecords.get(id) ?? null).toEqual(store.get(id) ?? null)
      }
    } finally {
      restore()
    }
  })

  it('stops mirroring once disposed', () => {
    const { doc, yRecords, store, stop } = boundPair()
    stop()
    store.put([geoShape('after', 0)])
    expect(yRecords.has(createShapeId('after'))).toBe(false)
    applyAsRemotePeer(doc, (records) => records.set(createShapeId('late'), geoShape('late', 0)))
    expect(store.has(createShapeId('late'))).toBe(false)
  })

  describe('a big board', () => {
    /** A map holding the document, the page and `count` geo shapes in rows of 100, 100 apart, the farthest first. */
    function bigMap(count: number) {
      const doc = new Y.Doc()
      const yRecords = doc.getMap<TLRecord>('tldraw')
      doc.transact(() => {
        for (let i = count - 1; i >= 0; i--) {
          const shape = geoShape(`big-${i}`, (i % 100) * 100)
          yRecords.set(shape.id, { ...shape, y: Math.floor(i / 100) * 100 })
        }
        yRecords.set(TLDOCUMENT_ID, DocumentRecordType.create({ id: TLDOCUMENT_ID }))
        yRecords.set(PAGE_ID, PageRecordType.create({ id: PAGE_ID, name: 'Page 1', index: 'a1' as never }))
      })
      return { doc, yRecords }
    }
    const shapeCount = (store: TLStore) => store.query.records('shape').get().length

    it('opens in chunks: the document, the page and the shapes nearest the first view come first, the rest follow', async () => {
      const { yRecords } = bigMap(1_300)
      const store = createTLStore()
      const stop = bindStoreToYRecords(store, yRecords)
      expect(store.has(TLDOCUMENT_ID)).toBe(true)
      expect(store.has(PAGE_ID)).toBe(true)
      expect(shapeCount(store)).toBe(LOAD_CHUNK - 2)
      // Every shape in the first view (x ≤ 1,600, y ≤ 1,000: 17 columns × 11 rows) is in the first
      // chunk, though the map holds them last; the farthest shape (x 9,900, y 1,200) is not.
      const first = store.query.records('shape').get()
      expect(first.filter((shape) => shape.x <= 1_600 && shape.y <= 1_000)).toHaveLength(17 * 11)
      expect(store.has(createShapeId('big-1299'))).toBe(false)
      await vi.waitFor(() => expect(shapeCount(store)).toBe(1_300))
      stop()
    })

    it('puts a parent before its children and bindings after the shapes they join', async () => {
      const { doc, yRecords } = bigMap(1_200)
      // A frame far away with a child, and an arrow bound to the child: all ranked last of their kind.
      const frameId = createShapeId('far-frame')
      const childId = createShapeId('child')
      const arrowId = createShapeId('arrow')
      doc.transact(() => {
        yRecords.set(childId, { ...geoShape('child', 10), parentId: frameId } as TLRecord)
        yRecords.set(frameId, { ...geoShape('far-frame', 90_000), type: 'frame', props: { w: 200, h: 200, name: '', color: 'black' } } as unknown as TLRecord)
        yRecords.set(arrowId, { ...geoShape('arrow', 0), type: 'arrow', props: arrowProps() } as unknown as TLRecord)
        yRecords.set('binding:b1', {
          id: 'binding:b1',
          typeName: 'binding',
          type: 'arrow',
          fromId: arrowId,
          toId: childId,
          meta: {},
          props: { terminal: 'end', normalizedAnchor: { x: 0.5, y: 0.5 }, isExact: false, isPrecise: false, snap: 'none' },
        } as unknown as TLRecord)
      })
      const store = createTLStore()
      const order: string[] = []
      const stopWatching = store.listen(({ changes }) => order.push(...Object.keys(changes.added)), { source: 'remote' })
      const stop = bindStoreToYRecords(store, yRecords)
      await vi.waitFor(() => expect(store.has('binding:b1' as TLRecord['id'])).toBe(true))
      store._flushHistory()
      expect(order.indexOf(frameId)).toBeLessThan(order.indexOf(childId))
      expect(order.indexOf(childId)).toBeLessThan(order.indexOf('binding:b1'))
      expect(order.indexOf(arrowId)).toBeLessThan(order.indexOf('binding:b1'))
      stopWatching()
      stop()
    })

    it('a record changed or deleted while waiting arrives as the map holds it last, and new records join the queue', async () => {
      const { doc, yRecords } = bigMap(1_300)
      const store = createTLStore()
      const report = vi.fn()
      const stop = bindStoreToYRecords(store, yRecords, { onSkippedRecord: report })
      const last = createShapeId('big-1299')
      const deleted = createShapeId('big-1298')
      const shown = createShapeId('big-0')
      expect(store.has(last)).toBe(false)
      applyAsRemotePeer(doc, (records) => {
        records.set(last, { ...(records.get(last) as TLGeoShape), x: 12_345 })
        records.delete(deleted)
        records.set(createShapeId('new'), geoShape('new', 5))
        records.set(shown, { ...(records.get(shown) as TLGeoShape), x: -50 })
      })
      // A change to a shape already shown applies at once.
      expect(store.get(shown)?.x).toBe(-50)
      // 1,300 − the deleted one + the new one.
      await vi.waitFor(() => expect(shapeCount(store)).toBe(1_300))
      expect(store.has(createShapeId('new'))).toBe(true)
      expect(store.get(last)?.x).toBe(12_345)
      expect(store.has(deleted)).toBe(false)
      expect(report).not.toHaveBeenCalled()
      stop()
    })

    it('stops loading once disposed', async () => {
      const { yRecords } = bigMap(1_300)
      const store = createTLStore()
      const stop = bindStoreToYRecords(store, yRecords)
      stop()
      // Another task later: no chunk came.
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(shapeCount(store)).toBe(LOAD_CHUNK - 2)
    })
  })
})
