import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { splitUpdate } from './syncParts.ts'
import { boardRecords, shape } from '../testing/support.ts'
import { seededRandom } from '../testing/random.ts'

/** A document edited by several clients: records set, overwritten and deleted, text typed and cut. */
function editedDocument(seed: number, edits: number): Y.Doc {
  const random = seededRandom(seed)
  const authors = Array.from({ length: 3 }, (_, i) => {
    const doc = new Y.Doc()
    doc.clientID = seed * 10 + i
    return doc
  })
  for (let i = 0; i < edits; i++) {
    const author = random.pick(authors)
    const records = boardRecords(author)
    const id = `shape:${random.int(edits)}`
    const roll = random.next()
    if (roll < 0.6) records.set(id, shape(id, { i, pad: 'x'.repeat(random.int(200)) }))
    else if (roll < 0.8) records.delete(id)
    else {
      const text = author.getText('notes')
      if (random.next() < 0.7 || text.length === 0) text.insert(random.int(text.length + 1), `note ${i} `)
      else text.delete(random.int(text.length), 1)
    }
    // Authors exchange now and then, so later edits build on (and delete) each other's.
    if (random.next() < 0.3) {
      const other = random.pick(authors)
      Y.applyUpdate(other, Y.encodeStateAsUpdate(author, Y.encodeStateVector(other)))
    }
  }
  const merged = new Y.Doc()
  for (const author of authors) Y.applyUpdate(merged, Y.encodeStateAsUpdate(author))
  return merged
}

function rebuilt(parts: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const part of parts) Y.applyUpdate(doc, part)
  return doc
}

describe('splitUpdate', () => {
  it('leaves an update within the limit whole', () => {
    const update = Y.encodeStateAsUpdate(editedDocument(1, 20))
    expect(splitUpdate(update, update.byteLength)).toEqual([update])
  })

  it('splits into parts near the limit that rebuild the same document, in order or reversed', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const original = editedDocument(seed, 400)
      const update = Y.encodeStateAsUpdate(original)
      const limit = 2_000
      const parts = splitUpdate(update, limit)
      expect(parts.length, `seed ${seed}`).toBeGreaterThan(update.byteLength / (4 * limit))
      // Every part but the delete set fits the limit plus at most one struct (a record is < 1 KB here).
      for (const part of parts) expect(part.byteLength, `seed ${seed}`).toBeLessThan(limit + 1_000)
      for (const order of [parts, [...parts].reverse()]) {
        const doc = rebuilt(order)
        expect(boardRecords(doc).toJSON(), `seed ${seed}`).toEqual(boardRecords(original).toJSON())
        expect(doc.getText('notes').toString(), `seed ${seed}`).toBe(original.getText('notes').toString())
        expect(Y.encodeStateVector(doc), `seed ${seed}`).toEqual(Y.encodeStateVector(original))
        expect(doc.store.pendingStructs, `seed ${seed}`).toBeNull()
      }
    }
  })

  it('splits a diff against a client’s state vector the same way', () => {
    // The client already holds another history; the server's document holds both.
    const client = editedDocument(10, 100)
    const original = editedDocument(9, 400)
    Y.applyUpdate(original, Y.encodeStateAsUpdate(client))
    const diff = Y.encodeStateAsUpdate(original, Y.encodeStateVector(client))
    const doc = rebuilt([Y.encodeStateAsUpdate(client), ...splitUpdate(diff, 1_000)])
    expect(boardRecords(doc).toJSON()).toEqual(boardRecords(original).toJSON())
    expect(doc.getText('notes').toString()).toBe(original.getText('notes').toString())
  })
})
