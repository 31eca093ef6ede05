/**
 * Canaries for what the sync server assumes about Yjs beyond its documented API. Each test is
 * named after one assumption and the code that rests on it, so an upgrade that breaks one says
 * which. (The rest of the server uses Yjs's public API only.)
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { readUpdate } from './updateReader.ts'

function recordUpdate(values: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc()
  const map = doc.getMap(BOARD_RECORDS_MAP)
  for (const [key, value] of Object.entries(values)) map.set(key, value)
  return Y.encodeStateAsUpdate(doc)
}

describe('Yjs internals the server relies on', () => {
  it('UpdateDecoderV1 reads every plain value through readAny(), at restDecoder.pos (updateReader.ts: ReplayingDecoder)', () => {
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

  it('doc.store.pendingStructs and pendingDs hold what waits for a missing update, and are null otherwise (internals.ts: changedDocument)', () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    source.getMap(BOARD_RECORDS_MAP).set('shape:a', { id: 'shape:a' })
    source.getMap(BOARD_RECORDS_MAP).set('shape:a', { id: 'shape:a', x: 2 })
    const doc = new Y.Doc()
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.store.pendingDs).toBeNull()
    Y.applyUpdate(doc, updates[1])
    expect(doc.store.pendingStructs).not.toBeNull()
    Y.applyUpdate(doc, updates[0])
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.getMap(BOARD_RECORDS_MAP).get('shape:a')).toEqual({ id: 'shape:a', x: 2 })
  })

  it("a root type's _item is null and a map entry's item has the root as parent and its key as parentSub (validation.ts: locate; documentSize.ts: deletedKeys)", () => {
    const doc = new Y.Doc()
    const map = doc.getMap(BOARD_RECORDS_MAP)
    map.set('shape:a', { id: 'shape:a' })
    expect(map._item).toBeNull()
    const state = Y.decodeStateVector(Y.encodeStateVector(doc))
    const [client] = Array.from(state.keys())
    const item = Y.getItem(doc.store, Y.createID(client, 0)) as Y.Item
    expect(item).toBeInstanceOf(Y.Item)
    expect(item.parent).toBe(map)
    expect(item.parentSub).toBe('shape:a')
    expect(item.right).toBeNull()
    map.set('shape:a', { id: 'shape:a', x: 1 })
    expect(item.deleted).toBe(true)
    expect(item.right).not.toBeNull()
  })
})
