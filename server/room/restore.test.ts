import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { geoShapeRecord } from '../../lib/shapeRecord.ts'
import { computeRestore, recordsOfVersionState, sameJson, UnknownShapeError } from './restore.ts'
import { validateUpdate } from './validation.ts'

const page = { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} }

function board(records: object[]): Y.Doc {
  const doc = new Y.Doc()
  const map = doc.getMap(BOARD_RECORDS_MAP)
  doc.transact(() => {
    for (const record of records) map.set((record as { id: string }).id, record)
  })
  return doc
}

function recordsOf(doc: Y.Doc): Record<string, unknown> {
  return doc.getMap(BOARD_RECORDS_MAP).toJSON()
}

/** Applies a restore to `live` as the room does: validated first, then applied as one update. */
function applyRestore(live: Y.Doc, update: Uint8Array | null): void {
  expect(update).not.toBeNull()
  validateUpdate(live, update as Uint8Array)
  Y.applyUpdate(live, update as Uint8Array)
}

describe('computeRestore', () => {
  it('makes the whole board equal to the version in one update, leaving the live document untouched until applied', () => {
    const a = geoShapeRecord('shape:a', { x: 10 })
    const b = geoShapeRecord('shape:b', { x: 20 })
    const version = board([page, a, b])
    const live = new Y.Doc()
    Y.applyUpdate(live, Y.encodeStateAsUpdate(version))
    const records = live.getMap(BOARD_RECORDS_MAP)
    records.delete('shape:a')
    records.set('shape:b', { ...b, x: 500 })
    records.set('shape:c', geoShapeRecord('shape:c'))
    const before = recordsOf(live)

    const change = computeRestore(live, recordsOfVersionState(Y.encodeStateAsUpdate(version)))
    expect(recordsOf(live)).toEqual(before)
    expect(change).toMatchObject({ set: 2, deleted: 1 })
    applyRestore(live, change.update)
    expect(recordsOf(live)).toEqual(recordsOf(version))
  })

  it('writes nothing when the board already equals the version', () => {
    const version = board([page, geoShapeRecord('shape:a')])
    const live = new Y.Doc()
    Y.applyUpdate(live, Y.encodeStateAsUpdate(version))
    expect(computeRestore(live, recordsOfVersionState(Y.encodeStateAsUpdate(version)))).toEqual({ update: null, set: 0, deleted: 0 })
  })

  it('restores only the shapes asked for: re-created if deleted, reset if changed, every other record as it is now', () => {
    const a = geoShapeRecord('shape:a', { x: 1, meta: { label: 'kept props' } })
    const b = geoShapeRecord('shape:b', { x: 2 })
    const c = geoShapeRecord('shape:c', { x: 3 })
    const version = board([page, a, b, c])
    const live = new Y.Doc()
    Y.applyUpdate(live, Y.encodeStateAsUpdate(version))
    const records = live.getMap(BOARD_RECORDS_MAP)
    records.delete('shape:a')
    records.set('shape:b', { ...b, x: 200 })
    records.set('shape:c', { ...c, x: 300 })
    records.set('shape:d', geoShapeRecord('shape:d'))

    const change = computeRestore(live, recordsOfVersionState(Y.encodeStateAsUpdate(version)), ['shape:a', 'shape:b'])
    expect(change).toMatchObject({ set: 2, deleted: 0 })
    applyRestore(live, change.update)
    expect(records.get('shape:a')).toEqual(a)
    expect(records.get('shape:b')).toEqual(b)
    expect(records.get('shape:c')).toEqual({ ...c, x: 300 })
    expect(records.get('shape:d')).toEqual(geoShapeRecord('shape:d'))
  })

  it('brings back the ancestors a restored shape needs when they were deleted too', () => {
    const frame = { ...geoShapeRecord('shape:frame'), type: 'frame', props: { w: 400, h: 300, name: 'F', color: 'black' } }
    const child = geoShapeRecord('shape:child', { parentId: 'shape:frame' })
    const version = recordsOfVersionState(Y.encodeStateAsUpdate(board([page, frame, child])))
    const live = board([page])
    const change = computeRestore(live, version, ['shape:child'])
    expect(change.set).toBe(2)
    applyRestore(live, change.update)
    expect(Object.keys(recordsOf(live)).sort()).toEqual(['page:page', 'shape:child', 'shape:frame'])
  })

  it('refuses an id that is not a shape of the version', () => {
    const version = recordsOfVersionState(Y.encodeStateAsUpdate(board([page, geoShapeRecord('shape:a')])))
    const live = board([page])
    expect(() => computeRestore(live, version, ['shape:missing'])).toThrow(UnknownShapeError)
    expect(() => computeRestore(live, version, ['page:page'])).toThrow(UnknownShapeError)
  })
})

describe('sameJson', () => {
  it('compares JSON values whatever their key order', () => {
    expect(sameJson({ a: 1, b: { c: [1, { d: null }] } }, { b: { c: [1, { d: null }] }, a: 1 })).toBe(true)
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(sameJson({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false)
    expect(sameJson([1, 2], [2, 1])).toBe(false)
    expect(sameJson([], {})).toBe(false)
    expect(sameJson({ a: '1' }, { a: 1 })).toBe(false)
    expect(sameJson(null, {})).toBe(false)
    expect(sameJson(undefined, { id: 'shape:a' })).toBe(false)
  })
})
