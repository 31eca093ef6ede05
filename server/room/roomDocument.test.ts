import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { decodeFrame, EMPTY_STATE_VECTOR, MalformedFrameError, SyncStep } from '../../lib/wire.ts'
import type { StoredRoom } from '../storage/roomStore.ts'
import { boardRecords, shape } from '../testing/support.ts'
import { DocumentTooLargeError, RoomUnavailableError } from './errors.ts'
import type { RoomPeer } from './peer.ts'
import { RoomDocument, type ChangeOrigin, type DocumentListener } from './roomDocument.ts'
import { fakePeer } from '../testing/fakePeer.ts'

const peer = (id: string) => fakePeer(id)

/** A document with the given shapes, encoded. */
function docWith(...keys: string[]): Uint8Array {
  const doc = new Y.Doc()
  for (const key of keys) boardRecords(doc).set(key, shape(key))
  return Y.encodeStateAsUpdate(doc)
}

function recordingListener() {
  const changes: { update: Uint8Array; origin: ChangeOrigin }[] = []
  const events: string[] = []
  const listener: DocumentListener = {
    changed: (update, origin) => void changes.push({ update, origin }),
    outdatedSnapshot: () => void events.push('outdated'),
    unreadable: (error) => void events.push(`unreadable: ${error.message}`),
    applied: () => {},
  }
  return { listener, changes, events }
}

function setUp(stored: StoredRoom) {
  const peers = new Set<RoomPeer>()
  const recorded = recordingListener()
  const document = new RoomDocument('r', stored, peers, recorded.listener)
  return { document, peers, ...recorded }
}

const snapshotRoom = (snapshot: Uint8Array, collected = true): StoredRoom => ({ updates: [snapshot], logLength: 0, collected })

afterEach(() => {
  vi.useRealTimers()
})

describe('RoomDocument', () => {
  it('answers new clients with the stored snapshot as is, encoded once until an edit changes the document', () => {
    const snapshot = docWith('shape:1')
    const { document, changes } = setUp(snapshotRoom(snapshot))
    const [a, b, c] = [peer('a'), peer('b'), peer('c')]
    document.sendMissing(a, EMPTY_STATE_VECTOR)
    document.sendMissing(b, EMPTY_STATE_VECTOR)
    expect(a.sent).toHaveLength(1)
    expect(b.sent[0]).toBe(a.sent[0])
    expect(decodeFrame(a.sent[0] as Uint8Array)).toEqual({ type: 'sync', step: SyncStep.step2, payload: snapshot })
    const edit = docWith('shape:2')
    document.applyChanges(edit, a)
    expect(changes).toHaveLength(1)
    expect(changes[0].origin).toBe(a)
    document.sendMissing(c, EMPTY_STATE_VECTOR)
    expect(c.sent[0]).not.toBe(a.sent[0])
    const answer = decodeFrame(c.sent[0] as Uint8Array)
    if (answer.type !== 'sync') throw new Error('expected a sync frame')
    const received = new Y.Doc()
    Y.applyUpdate(received, answer.payload)
    expect(Array.from(boardRecords(received).keys()).sort()).toEqual(['shape:1', 'shape:2'])
    document.destroy()
  })

  it('answers a known state vector with only what it lacks', () => {
    const source = new Y.Doc()
    boardRecords(source).set('shape:1', shape('shape:1'))
    const { document } = setUp({ updates: [Y.encodeStateAsUpdate(source)], logLength: 0, collected: true })
    document.materialize()
    const a = peer('a')
    document.sendMissing(a, Y.encodeStateVector(source))
    const answer = decodeFrame(a.sent[0] as Uint8Array)
    expect(answer).toMatchObject({ type: 'sync', step: SyncStep.step2 })
    if (answer.type !== 'sync') throw new Error('expected a sync frame')
    expect(Y.decodeUpdate(answer.payload).structs).toHaveLength(0)
    document.destroy()
  })

  it('throws MalformedFrameError for a state vector that does not decode', () => {
    const { document } = setUp({ updates: [], logLength: 0, collected: true })
    expect(() => document.sendMissing(peer('a'), new Uint8Array([5]))).toThrow(MalformedFrameError)
    document.destroy()
  })

  it('sends the step 1 of a joining peer once the stored document is applied, and not to a peer that left meanwhile', async () => {
    vi.useFakeTimers()
    const { document, peers } = setUp(snapshotRoom(docWith('shape:1')))
    const [a, gone] = [peer('a'), peer('gone')]
    peers.add(a).add(gone)
    document.startSync(a)
    document.startSync(gone)
    peers.delete(gone)
    expect(a.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(decodeFrame(a.sent[0] as Uint8Array)).toEqual({ type: 'sync', step: SyncStep.step1, payload: Y.encodeStateVector(document.doc) })
    expect(gone.sent).toHaveLength(0)
    // Once applied, a step 1 goes out at once.
    const late = peer('late')
    peers.add(late)
    document.startSync(late)
    expect(late.sent).toHaveLength(1)
    document.destroy()
  })

  it('relays a live update as the peer sent it, and nothing for an update that changes nothing', () => {
    const { document, changes } = setUp({ updates: [], logLength: 0, collected: true })
    const a = peer('a')
    const update = docWith('shape:1')
    document.applyAsReceived(document.readEdit(update, 1024 * 1024), a)
    expect(changes).toEqual([{ update, origin: a }])
    document.applyAsReceived(document.readEdit(update, 1024 * 1024), a)
    expect(changes).toHaveLength(1)
    expect(boardRecords(document.doc).has('shape:1')).toBe(true)
    document.destroy()
  })

  it('refuses an edit that would grow the document past its limit, applying nothing', () => {
    const { document } = setUp({ updates: [], logLength: 0, collected: true })
    expect(() => document.readEdit(docWith('shape:1'), 16)).toThrow(DocumentTooLargeError)
    expect(boardRecords(document.doc).size).toBe(0)
    document.destroy()
  })

  it("tells whether a viewer's step 2 carries anything the room lacks", () => {
    const stored = docWith('shape:1')
    const { document } = setUp({ updates: [stored], logLength: 0, collected: true })
    expect(document.holds(stored)).toBe(true)
    expect(document.holds(docWith('shape:2'))).toBe(false)
    expect(() => document.holds(new Uint8Array([0, 2, 9]))).toThrow(MalformedFrameError)
    document.destroy()
  })

  it('asks for a rewrite of a snapshot stored before collection once it is applied', () => {
    const { document, events } = setUp(snapshotRoom(docWith('shape:1'), false))
    expect(events).toEqual([])
    document.materialize()
    expect(events).toEqual(['outdated'])
    document.destroy()
  })

  it('tells the listener once, and throws RoomUnavailableError, when the stored document cannot be applied', () => {
    const { document, events } = setUp(snapshotRoom(new Uint8Array([9, 9, 9, 9])))
    expect(() => document.materialize()).toThrow(RoomUnavailableError)
    expect(events).toEqual(['unreadable: room r unavailable: stored document unreadable'])
    document.destroy()
  })
})
