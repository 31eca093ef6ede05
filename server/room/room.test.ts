import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { BOARD_RECORDS_MAP, Close, MessageType, type Scope } from '../../lib/protocol.ts'
import { decodeFrame, EMPTY_STATE_VECTOR, encodeAwarenessFrame, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, SyncStep } from '../../lib/wire.ts'
import { MemoryRoomStore } from '../storage/memoryRoomStore.ts'
import type { SyncStorage } from '../storage/roomStore.ts'
import { createLogger } from '../log.ts'
import { createMetrics } from '../http/metrics.ts'
import { Room, type RoomOptions } from './room.ts'
import { ServerOrigin } from './roomDocument.ts'
import { InvalidUpdateError } from './validation.ts'
import { ReadOnlyWriteError } from './errors.ts'
import { boardRecords, shape, boardMethodsOf, versionMethodsOf, waitUntil } from '../testing/support.ts'
import { fakePeer } from '../testing/fakePeer.ts'

const peer = (id: string, scope: Scope = 'edit') => fakePeer(id, { scope })

/** The sync step (0: step 1, 1: step 2, 2: update) of a sent frame, or null for anything else. */
const syncStepOf = (message: Uint8Array | string) => (message instanceof Uint8Array && message[0] === MessageType.sync ? message[1] : null)

const updateFrame = encodeSyncUpdate

function loadRoom(store: RoomOptions['store'], idle: Room[] = [], broken: Room[] = []) {
  return Room.load('r', {
    store,
    persistIntervalMs: 5,
    compactAfterUpdates: 2,
    awarenessFlushMs: 5,
    maxDocBytes: 1024 * 1024,
    awarenessMaxBytes: 1024,
    awarenessMaxClients: 2,
    pubsub: null,
    heartbeatMs: 30_000,
    versionIdleMs: 60_000,
    versionEveryMs: 600_000,
    versionRetentionDays: 30,
    metrics: createMetrics(),
    log: createLogger('silent'),
    onIdle: (room) => idle.push(room),
    onBroken: (room) => broken.push(room),
  })
}

function editOf(key: string): Uint8Array {
  const doc = new Y.Doc()
  boardRecords(doc).set(key, shape(key))
  return Y.encodeStateAsUpdate(doc)
}

describe('room (in-memory store)', () => {
  it('relays an update to the other peers as one shared buffer, not back to the sender', async () => {
    const room = await loadRoom(new MemoryRoomStore())
    const [a, b, c] = [peer('a'), peer('b'), peer('c')]
    for (const p of [a, b, c]) room.join(p)
    const before = [a, b, c].map((p) => p.sent.length)
    room.receive(a, updateFrame(editOf('shape:1')))
    expect(a.sent.length).toBe(before[0])
    const toB = b.sent.at(-1)
    expect(toB).toBeInstanceOf(Uint8Array)
    expect(c.sent.at(-1)).toBe(toB)
    room.destroy()
  })

  it('stores edits, compacts the log and reloads the same document', async () => {
    const store = new MemoryRoomStore()
    const room = await loadRoom(store)
    const a = peer('a')
    room.join(a)
    for (let i = 0; i < 5; i++) {
      room.receive(a, updateFrame(editOf(`shape:${i}`)))
      await room.flushPendingUpdates()
    }
    expect(a.sent.filter((m) => typeof m === 'string' && m.includes('"saved"')).length).toBe(5)
    expect(store.rooms.get('r')!.snapshot).not.toBeNull()
    const reloaded = await loadRoom(store)
    expect(reloaded.doc.getMap(BOARD_RECORDS_MAP).toJSON()).toEqual(room.doc.getMap(BOARD_RECORDS_MAP).toJSON())
    room.destroy()
    reloaded.destroy()
  })

  it("applies the server's own edit as a peer's: checked, relayed to every peer, stored", async () => {
    const store = new MemoryRoomStore()
    const room = await loadRoom(store)
    const [a, b] = [peer('a'), peer('b')]
    for (const p of [a, b]) room.join(p)
    const before = [a, b].map((p) => p.sent.length)
    room.applyServerEdit(editOf('shape:restored'), new ServerOrigin('restore'))
    for (const [i, p] of [a, b].entries()) {
      const relayed = p.sent.slice(before[i]).filter((m): m is Uint8Array => m instanceof Uint8Array)
      expect(relayed.map((m) => decodeFrame(m))).toEqual([expect.objectContaining({ type: 'sync', step: SyncStep.update })])
    }
    await room.flushPendingUpdates()
    const reloaded = await loadRoom(store)
    expect(reloaded.doc.getMap(BOARD_RECORDS_MAP).has('shape:restored')).toBe(true)
    const invalid = new Y.Doc()
    invalid.getMap(BOARD_RECORDS_MAP).set('shape:bad', { id: 'shape:bad', typeName: 'shape', type: 'geo' })
    expect(() => room.applyServerEdit(Y.encodeStateAsUpdate(invalid), new ServerOrigin('restore'))).toThrow(InvalidUpdateError)
    expect(room.doc.getMap(BOARD_RECORDS_MAP).has('shape:bad')).toBe(false)
    room.destroy()
    reloaded.destroy()
  })

  it('refuses a write from a view-only peer but accepts its empty step 2', async () => {
    const room = await loadRoom(new MemoryRoomStore())
    const viewer = peer('v', 'view')
    room.join(viewer)
    room.receive(viewer, encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())))
    expect(() => room.receive(viewer, updateFrame(editOf('shape:x')))).toThrow(ReadOnlyWriteError)
    expect(room.doc.getMap(BOARD_RECORDS_MAP).size).toBe(0)
    room.destroy()
  })

  it('keeps updates queued while the store fails and writes them once it recovers', async () => {
    const store = new MemoryRoomStore()
    let failing = true
    const flaky: SyncStorage = {
      ...versionMethodsOf(store),
      load: (id) => store.load(id),
      ...boardMethodsOf(store),
      compact: (id) => store.compact(id),
      ping: () => store.ping(),
      close: () => store.close(),
      append: (id, updates) => (failing ? Promise.reject(new Error('disk on fire')) : store.append(id, updates)),
    }
    const room = await loadRoom(flaky)
    const a = peer('a')
    room.join(a)
    room.receive(a, updateFrame(editOf('shape:kept')))
    await waitUntil(() => room.persistFailing, 'a failed write')
    failing = false
    await waitUntil(() => !room.persistFailing && !room.hasPendingWrites, 'write recovered')
    const reloaded = await loadRoom(store)
    expect(reloaded.doc.getMap(BOARD_RECORDS_MAP).has('shape:kept')).toBe(true)
    room.destroy()
    reloaded.destroy()
  })

  it('tells the registry when the last peer leaves and removes its awareness states', async () => {
    const idle: Room[] = []
    const room = await loadRoom(new MemoryRoomStore(), idle)
    const a = peer('a')
    room.join(a)
    const other = new Y.Doc()
    const awareness = new Awareness(other)
    awareness.setLocalState({ cursor: 1 })
    room.receive(a, encodeAwarenessFrame(encodeAwarenessUpdate(awareness, [other.clientID])))
    expect(room.awareness.getStates().has(other.clientID)).toBe(true)
    room.leave(a)
    await waitUntil(() => !room.awareness.getStates().has(other.clientID), 'state removed')
    expect(room.awareness.getStates().has(other.clientID)).toBe(false)
    expect(idle).toEqual([room])
    awareness.destroy()
    room.destroy()
  })

  it('coalesces a storm of cursor moves into one relayed message per tick, encoded once', async () => {
    const room = await loadRoom(new MemoryRoomStore())
    const [mover, b, c] = [peer('mover'), peer('b'), peer('c')]
    for (const p of [mover, b, c]) room.join(p)
    const cursorDoc = new Y.Doc()
    const awareness = new Awareness(cursorDoc)
    const before = { mover: mover.sent.length, b: b.sent.length }
    for (let x = 0; x < 20; x++) {
      awareness.setLocalState({ cursor: { x } })
      room.receive(mover, encodeAwarenessFrame(encodeAwarenessUpdate(awareness, [cursorDoc.clientID])))
    }
    await waitUntil(() => b.sent.length > before.b, 'relayed')
    expect(b.sent.length - before.b).toBe(1)
    expect(c.sent.at(-1)).toBe(b.sent.at(-1))
    expect(mover.sent.length).toBe(before.mover)
    const received = new Awareness(new Y.Doc())
    const relayed = decodeFrame(b.sent.at(-1) as Uint8Array)
    if (relayed.type !== 'awareness') throw new Error(`expected an awareness frame, got ${relayed.type}`)
    applyAwarenessUpdate(received, relayed.update, null)
    // The identity others see is the token's, added by the server.
    expect(received.getStates().get(cursorDoc.clientID)).toEqual({ cursor: { x: 19 }, user: { id: 'mover', name: 'mover', color: '#000000' } })
    awareness.destroy()
    received.destroy()
    room.destroy()
  })

  it('acknowledges every update frame: with its batch, or at once when it changes nothing', async () => {
    const room = await loadRoom(new MemoryRoomStore())
    const a = peer('a')
    room.join(a)
    const saved = () => a.sent.filter((m): m is string => typeof m === 'string' && m.includes('"saved"')).map((m) => JSON.parse(m).through as number)
    const edit = editOf('shape:1')
    room.receive(a, updateFrame(edit))
    room.receive(a, updateFrame(editOf('shape:2')))
    await room.flushPendingUpdates()
    expect(saved()).toEqual([2])
    // The same update again changes nothing: acknowledged at once.
    room.receive(a, updateFrame(edit))
    expect(saved()).toEqual([2, 3])
    room.destroy()
  })

  it('answers a new client from the stored snapshot before applying it, and sends its own step 1 once applied', async () => {
    const source = new Y.Doc()
    for (let i = 0; i < 50; i++) boardRecords(source).set(`shape:${i}`, shape(`shape:${i}`))
    const snapshot = Y.encodeStateAsUpdate(source)
    const store = new MemoryRoomStore()
    store.createRoom('r', { snapshot: { data: snapshot, collected: true } })
    const room = await loadRoom(store)
    const a = peer('a')
    room.join(a)
    expect(a.sent.filter((m) => syncStepOf(m) === 0)).toHaveLength(0)
    room.receive(a, encodeSyncStep1(EMPTY_STATE_VECTOR))
    expect(decodeFrame(a.sent.at(-1) as Uint8Array)).toEqual({ type: 'sync', step: SyncStep.step2, payload: snapshot })
    await waitUntil(() => a.sent.some((m) => syncStepOf(m) === 0), "the server's step 1 after the document is applied")
    expect(boardRecords(room.doc).size).toBe(50)
    room.destroy()
  })

  it('closes its peers with 1011 and asks to be dropped, writing nothing, when the stored document cannot be applied', async () => {
    const store = new MemoryRoomStore()
    const garbage = new Uint8Array([9, 9, 9, 9])
    store.createRoom('r', { snapshot: { data: garbage, collected: true } })
    const broken: Room[] = []
    const room = await loadRoom(store, [], broken)
    const a = peer('a')
    room.join(a)
    await waitUntil(() => a.closed.length > 0, 'the peer closed')
    expect(a.closed).toEqual([Close.roomUnavailable])
    expect(broken).toEqual([room])
    const late = peer('late')
    room.join(late)
    expect(late.closed).toEqual([Close.roomUnavailable])
    await room.compactIfLogged()
    expect(await store.load('r')).toEqual({ updates: [garbage], logLength: 0, schema: null, collected: true })
    room.destroy()
  })
})
