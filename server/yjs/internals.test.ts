/**
 * Canaries for what the sync server assumes about Yjs beyond its documented API. Each test is
 * named after one assumption and the code that rests on it, so an upgrade that breaks one says
 * which. (The rest of the server uses Yjs's public API only.)
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { changedDocument, currentMapKeysIn, placeOfStruct } from './internals.ts'
import { applyReadUpdate, readUpdate, readUpdateItems } from './updateReader.ts'

function recordUpdate(values: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc()
  const map = doc.getMap(BOARD_RECORDS_MAP)
  for (const [key, value] of Object.entries(values)) map.set(key, value)
  return Y.encodeStateAsUpdate(doc)
}

/** The client id of a document's only author. */
function onlyClient(doc: Y.Doc): number {
  const [client] = Array.from(Y.decodeStateVector(Y.encodeStateVector(doc)).keys())
  return client
}

describe('Yjs internals the server relies on', () => {
  it('Y.applyUpdateV2 takes a V1 decoder class, and UpdateDecoderV1 reads every plain value through readAny(), at restDecoder.pos (updateReader.ts: ReplayingDecoder)', () => {
    const update = recordUpdate({ 'shape:a': { id: 'shape:a', x: 1 }, 'shape:b': { id: 'shape:b', text: 'é' } })
    const positions: number[] = []
    class RecordingDecoder extends Y.UpdateDecoderV1 {
      readAny(): unknown {
        positions.push(this.restDecoder.pos)
        return super.readAny()
      }
    }
    const doc = new Y.Doc()
    Y.applyUpdateV2(doc, update, null, RecordingDecoder)
    expect(doc.getMap(BOARD_RECORDS_MAP).toJSON()).toEqual({ 'shape:a': { id: 'shape:a', x: 1 }, 'shape:b': { id: 'shape:b', text: 'é' } })
    expect(positions).toEqual(readUpdate(update).valueStarts)
  })

  it('ContentAny keeps the values readAny() returns by reference, so the map holds the objects validation read (updateReader.ts: applyReadUpdate; documentSize.ts: applyingRead)', () => {
    const read = readUpdate(recordUpdate({ 'shape:a': { id: 'shape:a', x: 1 } }))
    const doc = new Y.Doc()
    applyReadUpdate(doc, read, null)
    expect(doc.getMap(BOARD_RECORDS_MAP).get('shape:a')).toBe(read.values[0])
  })

  it('a V1 update encodes GC as struct ref 0, ContentDeleted as 1, ContentAny as 8 and Skip as 10, in the layout Y.decodeUpdate reads (updateReader.ts: readUpdate)', () => {
    expect(new Y.ContentDeleted(1).getRef()).toBe(1)
    expect(new Y.ContentAny([1]).getRef()).toBe(8)
    for (const [struct, ref] of [
      [new Y.GC(Y.createID(1, 0), 2), 0],
      [new Y.Skip(Y.createID(1, 0), 2), 10],
    ] as const) {
      const encoder = new Y.UpdateEncoderV1()
      struct.write(encoder, 0)
      expect(encoder.toUint8Array()[0]).toBe(ref)
    }
    // An overwrite (ContentAny with an origin, then ContentDeleted), merged with a gap (a Skip).
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    const map = doc.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    map.set('shape:a', { id: 'shape:a', x: 1 })
    map.set('shape:b', { id: 'shape:b' })
    const merged = Y.mergeUpdates([updates[0], updates[2]])
    expect(Y.decodeUpdate(merged).structs.some((struct) => struct instanceof Y.Skip)).toBe(true)
    for (const update of [Y.encodeStateAsUpdate(doc), merged]) {
      const items = Y.decodeUpdate(update).structs.filter((struct): struct is Y.Item => struct instanceof Y.Item)
      expect(readUpdateItems(update).map(({ client, clock, length, parentSub }) => ({ client, clock, length, parentSub }))).toEqual(
        items.map((item) => ({ client: item.id.client, clock: item.id.clock, length: item.length, parentSub: item.parentSub })),
      )
    }
  })

  it('struct.write(encoder, 0) on an UpdateEncoderV1 writes a decoded struct back in V1 update form, its bytes counted by encoder.restEncoder (syncParts.ts: splitUpdate)', () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    map.set('shape:a', { id: 'shape:a', x: 1 })
    map.set('shape:b', { id: 'shape:b', text: 'é' })
    const { structs } = Y.decodeUpdate(Y.encodeStateAsUpdate(doc))
    const body = new Y.UpdateEncoderV1()
    for (const struct of structs) struct.write(body, 0)
    expect(encoding.length(body.restEncoder)).toBe(body.toUint8Array().byteLength)
    // One client's run (struct count, client, first clock, the structs), then an empty delete set.
    const rebuilt = encoding.createEncoder()
    encoding.writeVarUint(rebuilt, 1)
    encoding.writeVarUint(rebuilt, structs.length)
    encoding.writeVarUint(rebuilt, onlyClient(doc))
    encoding.writeVarUint(rebuilt, 0)
    encoding.writeUint8Array(rebuilt, body.toUint8Array())
    encoding.writeVarUint(rebuilt, 0)
    const copy = new Y.Doc()
    Y.applyUpdate(copy, encoding.toUint8Array(rebuilt))
    expect(copy.store.pendingStructs).toBeNull()
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc))
    expect(copy.getMap(BOARD_RECORDS_MAP).toJSON()).toEqual(map.toJSON())
  })

  it('doc.store.pendingStructs and pendingDs hold what waits for a missing update, and are null otherwise (internals.ts: changedDocument)', () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    source.getMap(BOARD_RECORDS_MAP).set('shape:a', { id: 'shape:a' })
    source.getMap(BOARD_RECORDS_MAP).set('shape:a', { id: 'shape:a', x: 2 })
    const doc = new Y.Doc()
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.store.pendingDs).toBeNull()
    let waiting: Y.Transaction | null = null
    doc.on('afterTransaction', (transaction: Y.Transaction) => (waiting = transaction))
    Y.applyUpdate(doc, updates[1])
    expect(doc.store.pendingStructs).not.toBeNull()
    expect(changedDocument(waiting as unknown as Y.Transaction, doc)).toBe(true)
    Y.applyUpdate(doc, updates[0])
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.getMap(BOARD_RECORDS_MAP).get('shape:a')).toEqual({ id: 'shape:a', x: 2 })
  })

  it("a transaction's deleteSet lists what it deleted and its beforeState/afterState differ where it added, both empty for an update already applied (internals.ts: changedDocument)", () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    const map = source.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    map.delete('shape:a')
    const doc = new Y.Doc()
    const transactions: Y.Transaction[] = []
    doc.on('afterTransaction', (transaction: Y.Transaction) => transactions.push(transaction))
    for (const update of [updates[0], updates[0], updates[1]]) Y.applyUpdate(doc, update)
    const [added, repeated, deleted] = transactions
    expect(added.afterState.get(source.clientID)).toBe(1)
    expect(added.beforeState.get(source.clientID)).toBeUndefined()
    expect(added.deleteSet.clients.size).toBe(0)
    expect(repeated.deleteSet.clients.size).toBe(0)
    expect(Array.from(repeated.afterState)).toEqual(Array.from(repeated.beforeState))
    expect(deleted.deleteSet.clients.get(source.clientID)).toHaveLength(1)
    expect(transactions.map((transaction) => changedDocument(transaction, doc))).toEqual([true, false, true])
  })

  it("Y.getState(doc.store, client) ends a client's gapless structs from clock 0, and Y.getItem finds the struct holding any clock below it (internals.ts: placeOfStruct, currentMapKeysIn)", () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    map.set('shape:b', { id: 'shape:b' })
    const client = onlyClient(doc)
    expect(Y.getState(doc.store, client)).toBe(2)
    expect(Y.getState(doc.store, client + 1)).toBe(0)
    expect((Y.getItem(doc.store, Y.createID(client, 1)) as Y.Item).parentSub).toBe('shape:b')
    expect(placeOfStruct(doc, client, 2)).toBe('unknown')
    expect(placeOfStruct(doc, client + 1, 0)).toBe('unknown')
  })

  it("a root type's _item is null, a nested type's is the item holding it, and doc.share maps each root type's name to it (internals.ts: placeOfStruct)", () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    const nested = new Y.Map<unknown>()
    map.set('shape:a', { id: 'shape:a' })
    map.set('nested', nested)
    nested.set('inner', 1)
    expect(map._item).toBeNull()
    expect(nested._item).toBeInstanceOf(Y.Item)
    expect(doc.share.get(BOARD_RECORDS_MAP)).toBe(map)
    const client = onlyClient(doc)
    expect(placeOfStruct(doc, client, 0)).toEqual({ root: BOARD_RECORDS_MAP, key: 'shape:a' })
    expect(placeOfStruct(doc, client, 2)).toBe('nested')
  })

  it('content under a deleted nested type is garbage-collected into Y.GC structs, not Y.Item (internals.ts: placeOfStruct)', () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    const nested = new Y.Map<unknown>()
    map.set('nested', nested)
    nested.set('inner', 1)
    map.delete('nested')
    const client = onlyClient(doc)
    expect(Y.getItem(doc.store, Y.createID(client, 1))).toBeInstanceOf(Y.GC)
    expect(placeOfStruct(doc, client, 1)).toBe('collected')
  })

  it("a map entry's item has the map as parent and its key as parentSub; an overwritten value is deleted with its successor to its right, the current one has right === null (internals.ts: currentMapKeysIn)", () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    const client = onlyClient(doc)
    const item = Y.getItem(doc.store, Y.createID(client, 0)) as Y.Item
    expect(item).toBeInstanceOf(Y.Item)
    expect(item.parent).toBe(map)
    expect(item.parentSub).toBe('shape:a')
    expect(item.deleted).toBe(false)
    expect(item.right).toBeNull()
    expect(currentMapKeysIn(doc, map, [client, 0, 1], 10)).toEqual(['shape:a'])
    map.set('shape:a', { id: 'shape:a', x: 1 })
    expect(item.deleted).toBe(true)
    expect(item.right).toBe(Y.getItem(doc.store, Y.createID(client, 1)))
    expect(currentMapKeysIn(doc, map, [client, 0, 1], 10)).toEqual([])
    expect(currentMapKeysIn(doc, map, [client, 0, 2], 10)).toEqual(['shape:a'])
    expect(currentMapKeysIn(doc, map, [client, 0, 2], 1)).toEqual([])
  })
})
