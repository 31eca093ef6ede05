import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { geoShapeRecord } from '../../lib/shapeRecord.ts'
import { applyReadUpdate, MalformedUpdateError, readUpdate, readUpdateItems, UnsupportedContentError } from './updateReader.ts'

/** What Yjs's own decoder makes of an update, in the reader's terms. */
function decodedByYjs(update: Uint8Array) {
  return Y.decodeUpdate(update)
    .structs.filter((struct): struct is Y.Item => struct instanceof Y.Item)
    .map((item) => ({
      client: item.id.client,
      clock: item.id.clock,
      length: item.length,
      origin: item.origin ? { client: item.origin.client, clock: item.origin.clock } : null,
      rightOrigin: item.rightOrigin ? { client: item.rightOrigin.client, clock: item.rightOrigin.clock } : null,
      parentRoot: typeof item.parent === 'string' ? item.parent : null,
      parentIsItem: item.parent instanceof Y.ID,
      parentSub: typeof item.parent === 'string' || item.parent instanceof Y.ID ? item.parentSub : null,
      values: item.content instanceof Y.ContentAny ? item.content.arr : null,
    }))
}

/** Updates of every shape the board writes, and plain values of every kind lib0 encodes. */
function sampleUpdates(): Uint8Array[] {
  const doc = new Y.Doc()
  const records = doc.getMap(BOARD_RECORDS_MAP)
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  records.set('shape:a', geoShapeRecord('shape:a', { x: 1.5, y: -20, meta: { note: 'ünïcødé ✏️ '.repeat(5), long: 'x'.repeat(300) } }))
  doc.transact(() => {
    for (let i = 0; i < 20; i++) records.set(`shape:${i}`, geoShapeRecord(`shape:${i}`, { x: i * 1e9, y: -i, meta: { i, big: 2 ** 53 - i } }))
  })
  records.set('shape:a', geoShapeRecord('shape:a', { x: 2 }))
  records.delete('shape:3')
  records.set('values', {
    nothing: null,
    missing: undefined,
    yes: true,
    no: false,
    int: -123456,
    float: Math.PI,
    negativeZero: -0,
    bigint: 12345678901234567n,
    bytes: new Uint8Array([0, 1, 255]),
    list: [1, 'two', [3], { four: 4 }],
    empty: '',
  })
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
  other.getMap(BOARD_RECORDS_MAP).set('shape:b', geoShapeRecord('shape:b'))
  updates.push(Y.encodeStateAsUpdate(other), Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)))
  return updates
}

describe('readUpdateItems', () => {
  it('reads every item exactly as Yjs decodes it', () => {
    for (const update of sampleUpdates()) expect(readUpdateItems(update)).toEqual(decodedByYjs(update))
  })

  it('throws on every truncation of an update', () => {
    const update = sampleUpdates()[0]
    for (let length = 0; length < update.byteLength; length++) {
      expect(() => readUpdateItems(update.subarray(0, length)), `first ${length} bytes`).toThrow(MalformedUpdateError)
    }
  })

  it('refuses content other than plain values, and invalid UTF-8 as Yjs does', () => {
    const doc = new Y.Doc()
    let update: Uint8Array = new Uint8Array()
    doc.on('update', (u: Uint8Array) => (update = u))
    doc.getText('text').insert(0, 'hello')
    expect(() => readUpdateItems(update)).toThrow(UnsupportedContentError)
    doc.getMap(BOARD_RECORDS_MAP).set('nested', new Y.Map())
    expect(() => readUpdateItems(update)).toThrow(UnsupportedContentError)

    doc.getMap(BOARD_RECORDS_MAP).set('k', 'é')
    const bad = update.slice()
    const at = bad.indexOf(0xc3)
    bad[at + 1] = 0x28 // 0xc3 0x28 is not UTF-8
    expect(() => Y.decodeUpdate(bad)).toThrow()
    expect(() => readUpdateItems(bad)).toThrow(MalformedUpdateError)
  })

  it('refuses an empty delete range, which Yjs never writes and cannot encode again when it stays pending', () => {
    // No structs; a delete set of one client (5) with one range at clock 3 of length 0 (then 1).
    expect(() => readUpdateItems(new Uint8Array([0, 1, 5, 1, 3, 0]))).toThrow(MalformedUpdateError)
    expect(readUpdate(new Uint8Array([0, 1, 5, 1, 3, 1])).deletes).toEqual([5, 3, 1])
  })
})

describe('applyReadUpdate', () => {
  it('builds the same document as Y.applyUpdate, from the values already read', () => {
    const viaYjs = new Y.Doc()
    const viaReader = new Y.Doc()
    for (const update of sampleUpdates()) {
      Y.applyUpdate(viaYjs, update)
      applyReadUpdate(viaReader, readUpdate(update), 'test')
    }
    expect(Y.encodeStateAsUpdate(viaReader)).toEqual(Y.encodeStateAsUpdate(viaYjs))
    expect(viaReader.getMap(BOARD_RECORDS_MAP).toJSON()).toEqual(viaYjs.getMap(BOARD_RECORDS_MAP).toJSON())

    // The document holds the very object the reader made: the value was not decoded twice.
    const fresh = new Y.Doc()
    const read = readUpdate(sampleUpdates()[0])
    applyReadUpdate(fresh, read, 'test')
    expect(fresh.getMap(BOARD_RECORDS_MAP).get('shape:a')).toBe(read.values[0])
  })
})
