import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { Close, MessageType } from '../../lib/protocol.ts'
import { DocumentSize } from './documentSize.ts'
import { validateUpdate } from './validation.ts'
import { applyReadUpdate } from '../yjs/updateReader.ts'
import { authedRawClient, boardRecords, createTempDatabase, shape, startServer, tokenFor, waitUntil, type RawClient, type TestServer } from '../testing/support.ts'
import { seededRandom } from '../testing/random.ts'

/** The server's side: a document whose size is followed, fed validated updates as the room feeds it. */
function followedDoc() {
  const doc = new Y.Doc()
  const size = new DocumentSize(boardRecords(doc) as Y.Map<unknown>, 0)
  return {
    doc,
    size,
    /** Applies a client's update; returns the growth predicted before and the change seen after. */
    apply(update: Uint8Array): { predicted: number; seen: number } {
      const read = validateUpdate(doc, update)
      const predicted = size.growthOf(doc, read)
      const before = size.total
      size.applyingRead(read, () => applyReadUpdate(doc, read, null))
      return { predicted, seen: size.total - before }
    },
  }
}

/** A client document whose edits come out as updates. */
function client(seed: number) {
  const doc = new Y.Doc()
  doc.clientID = seed
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return { doc, records: boardRecords(doc), take: () => updates.splice(0) }
}

describe('DocumentSize', () => {
  it('follows the encoded size of the document through sets, moves, deletes and concurrent edits (seeded)', () => {
    const server = followedDoc()
    const a = client(1)
    const b = client(2)
    const random = seededRandom(7)
    const ratios: number[] = []
    for (let step = 0; step < 3_000; step++) {
      const editor = random.next() < 0.5 ? a : b
      const key = `shape:${random.int(40)}`
      const roll = random.next()
      if (roll < 0.15 && editor.records.has(key)) editor.records.delete(key)
      else editor.records.set(key, shape(key, { x: step, label: 'n'.repeat(random.int(200)) }))
      // Usually in step; sometimes the other client edits before it has heard (concurrent sets of a key).
      if (random.next() < 0.8 || step % 50 === 0) {
        for (const update of a.take().concat(b.take())) {
          server.apply(update)
          Y.applyUpdate(a.doc, update)
          Y.applyUpdate(b.doc, update)
        }
      }
      if (step % 100 === 99) ratios.push(server.size.total / Y.encodeStateAsUpdate(server.doc).byteLength)
    }
    expect(ratios.length).toBe(30)
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(0.9)
      expect(ratio).toBeLessThan(1.5)
    }
    // Deleting everything brings it down to tombstones only.
    for (const key of Array.from(a.records.keys())) a.records.delete(key)
    for (const update of a.take()) server.apply(update)
    expect(boardRecords(server.doc).size).toBe(0)
    expect(server.size.total).toBeLessThan(40_000)
  })

  it('predicts what an update adds and frees before it is applied: a new record, a move, a delete, a delete with a change', () => {
    const server = followedDoc()
    const editor = client(3)
    const step = (edit: () => void) => {
      edit()
      const [update] = editor.take()
      return server.apply(update)
    }
    const added = step(() => editor.records.set('shape:a', shape('shape:a', { label: 'a'.repeat(300) })))
    expect(added.predicted).toBeGreaterThan(300)
    expect(added.predicted).toBe(added.seen)
    step(() => editor.records.set('shape:b', shape('shape:b')))
    const moved = step(() => editor.records.set('shape:a', shape('shape:a', { label: 'a'.repeat(300), x: 5 })))
    expect(moved.predicted).toBe(moved.seen)
    expect(Math.abs(moved.predicted)).toBeLessThan(20)
    const deleted = step(() => editor.records.delete('shape:a'))
    expect(deleted.predicted).toBeLessThan(-300)
    expect(deleted.predicted).toBe(deleted.seen)
    const mixed = step(() =>
      editor.doc.transact(() => {
        editor.records.delete('shape:b')
        editor.records.set('shape:c', shape('shape:c'))
      }),
    )
    expect(mixed.predicted).toBe(mixed.seen)
    expect(Math.abs(mixed.predicted)).toBeLessThan(20)
  })

  it('is set to the exact size on rebase', () => {
    const server = followedDoc()
    const editor = client(4)
    for (let i = 0; i < 100; i++) editor.records.set('shape:x', shape('shape:x', { i }))
    for (const update of editor.take()) server.apply(update)
    const exact = Y.encodeStateAsUpdate(server.doc).byteLength
    server.size.rebase(exact)
    expect(server.size.total).toBe(exact)
  })
})

describe('MAX_DOC_BYTES on a real server', () => {
  let database: Awaited<ReturnType<typeof createTempDatabase>>
  let server: TestServer
  const raws: RawClient[] = []

  beforeEach(async () => {
    database = await createTempDatabase()
    server = await startServer(database.url, { maxDocBytes: 60_000 })
  })

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.ws.terminate()
    await server.stop()
    await database.remove()
  })

  async function join(sub: string): Promise<RawClient & { doc: Y.Doc; send(edit: () => void): void }> {
    const raw = await authedRawClient(server.url, 'full', await tokenFor('full', { sub }))
    raws.push(raw)
    const doc = new Y.Doc()
    // Catch up with the room through the server's step 2.
    const step1 = encoding.createEncoder()
    encoding.writeVarUint(step1, MessageType.sync)
    syncProtocol.writeSyncStep1(step1, doc)
    raw.ws.send(encoding.toUint8Array(step1))
    await waitUntil(() => raw.messages.some((m) => typeof m !== 'string' && m[0] === MessageType.sync && m[1] === 1), 'step 2')
    for (const message of raw.messages) {
      if (typeof message === 'string' || message[0] !== MessageType.sync || message[1] === 0) continue
      const decoder = decoding.createDecoder(message)
      decoding.readVarUint(decoder)
      decoding.readVarUint(decoder)
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
    }
    return Object.assign(raw, {
      doc,
      send(edit: () => void) {
        const before = Y.encodeStateVector(doc)
        edit()
        const frame = encoding.createEncoder()
        encoding.writeVarUint(frame, MessageType.sync)
        syncProtocol.writeUpdate(frame, Y.encodeStateAsUpdate(doc, before))
        raw.ws.send(encoding.toUint8Array(frame))
      },
    })
  }

  const roomRecords = () => boardRecords(server.server.rooms.get('full')!.doc)

  it('refuses growth past the limit with a reason that says what to do; deleting still works, and then adding again', async () => {
    // Keeps the room loaded while the filler is closed.
    await join('watcher')
    const filler = await join('filler')
    let i = 0
    while (filler.ws.readyState === filler.ws.OPEN && i < 200) {
      const key = `shape:${i++}`
      filler.send(() => boardRecords(filler.doc).set(key, shape(key, { label: 'f'.repeat(2_000) })))
      await waitUntil(() => roomRecords().has(key) || filler.ws.readyState !== filler.ws.OPEN, `shape ${i} applied or refused`)
    }
    expect(await filler.closed).toEqual(Close.docTooLarge)
    const full = roomRecords().size
    expect(full).toBeGreaterThan(20)

    // Someone else opens the full board and tidies up: a delete on its own, then a delete with a change.
    const tidier = await join('tidier')
    tidier.send(() => boardRecords(tidier.doc).delete('shape:0'))
    await waitUntil(() => !roomRecords().has('shape:0'), 'delete applied')
    tidier.send(() =>
      tidier.doc.transact(() => {
        boardRecords(tidier.doc).delete('shape:1')
        boardRecords(tidier.doc).set('shape:2', shape('shape:2', { label: 'moved' }))
      }),
    )
    await waitUntil(() => !roomRecords().has('shape:1') && roomRecords().get('shape:2')?.meta.label === 'moved', 'delete with a change applied')
    tidier.send(() => boardRecords(tidier.doc).set('shape:new', shape('shape:new', { label: 'n'.repeat(1_000) })))
    await waitUntil(() => roomRecords().has('shape:new'), 'a new shape fits again')
    expect(tidier.ws.readyState).toBe(tidier.ws.OPEN)
    expect(roomRecords().size).toBe(full - 1)
  })
})
