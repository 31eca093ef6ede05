import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { Scope } from '../../lib/protocol.ts'
import { createMetrics } from '../http/metrics.ts'
import { createLogger } from '../log.ts'
import { MemoryRoomStore } from '../storage/memoryRoomStore.ts'
import type { LiveDocument, SyncStorage } from '../storage/roomStore.ts'
import { boardRecords, shape, boardMethodsOf, versionMethodsOf } from '../testing/support.ts'
import type { RoomPeer } from './peer.ts'
import { EDITOR_RECORD_INTERVAL_MS, PersistQueue, type StoredConfirmation } from './persistQueue.ts'
import { fakePeer } from '../testing/fakePeer.ts'

const INTERVAL_MS = 100

const peer = (id: string, scope: Scope = 'edit') => fakePeer(id, { scope })

/** The `through` of every `saved` frame a peer got, in order. */
const savedOf = (p: { sent: (Uint8Array | string)[] }) =>
  p.sent.filter((m): m is string => typeof m === 'string' && m.includes('"saved"')).map((m) => JSON.parse(m).through as number)

/** A memory store whose writes can be held back or made to fail, recording every attempt. */
function scriptedStore() {
  const inner = new MemoryRoomStore()
  const attempts: Uint8Array[][] = []
  let failuresLeft = 0
  let held: Promise<void> | null = null
  const store: SyncStorage = {
    ...versionMethodsOf(inner),
    load: (id) => inner.load(id),
    ...boardMethodsOf(inner),
    compact: (id, options) => inner.compact(id, options),
    ping: () => inner.ping(),
    close: () => inner.close(),
    async append(id, updates) {
      attempts.push(updates.slice())
      if (held) await held
      if (failuresLeft > 0) {
        failuresLeft--
        throw new Error('disk on fire')
      }
      await inner.append(id, updates)
    },
  }
  return {
    store,
    inner,
    attempts,
    failNext: (count: number) => void (failuresLeft = count),
    /** Holds every write until the returned function is called. */
    hold(): () => void {
      let release = () => {}
      held = new Promise((resolve) => (release = resolve))
      return () => {
        held = null
        release()
      }
    },
    stored: () => inner.rooms.get('r')!.log.map((row) => row.data),
  }
}

/** A document update adding one shape, and the same change applied to `doc`. */
function edit(doc: Y.Doc, key: string): Uint8Array {
  const before = Y.encodeStateVector(doc)
  boardRecords(doc).set(key, shape(key))
  return Y.encodeStateAsUpdate(doc, before)
}

function setUp({ compactAfterUpdates = 100, link = null }: { compactAfterUpdates?: number; link?: StoredConfirmation | null } = {}) {
  const scripted = scriptedStore()
  const peers = new Set<RoomPeer>()
  const doc = new Y.Doc()
  const idle: number[] = []
  const live = (): LiveDocument => ({ doc, state: Y.encodeStateAsUpdate(doc) })
  const options = { store: scripted.store, persistIntervalMs: INTERVAL_MS, compactAfterUpdates, metrics: createMetrics(), log: createLogger('silent') }
  const queue = new PersistQueue('r', 0, peers, options, link, { live, idle: () => idle.push(Date.now()) })
  /** What the room does with one update frame from `from` that changed the document. */
  const receive = (from: RoomPeer, update: Uint8Array) => {
    const count = queue.countUpdate(from)
    queue.add(update, from)
    queue.acknowledge(from, count)
  }
  return { ...scripted, peers, doc, idle, queue, receive, options }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('PersistQueue', () => {
  it('acknowledges an edit only once the batch that holds it is stored', async () => {
    const { queue, receive, peers, doc, hold, attempts, stored, inner } = setUp()
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    const first = edit(doc, 'shape:1')
    receive(a, first)
    const release = hold()
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(attempts).toEqual([[first]])
    expect(savedOf(a)).toEqual([])
    // An edit made while the write runs waits for the next batch.
    const second = edit(doc, 'shape:2')
    receive(a, second)
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(savedOf(a)).toEqual([1])
    expect(stored()).toEqual([first])
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(savedOf(a)).toEqual([1, 2])
    expect(stored()).toEqual([first, second])
    expect(queue.hasPendingWrites).toBe(false)
    queue.destroy()
  })

  it('acknowledges an update that changed nothing at once, or with the batch being written when an earlier edit is in it', async () => {
    const { queue, receive, peers, doc, hold, inner } = setUp()
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    queue.acknowledge(a, queue.countUpdate(a))
    expect(savedOf(a)).toEqual([1])
    receive(a, edit(doc, 'shape:1'))
    const release = hold()
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    queue.acknowledge(a, queue.countUpdate(a))
    expect(savedOf(a)).toEqual([1])
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(savedOf(a)).toEqual([1, 3])
    queue.destroy()
  })

  it('flushes on the shared persist-interval grid', async () => {
    const { queue, receive, peers, doc, attempts, inner } = setUp()
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    vi.setSystemTime(1_030)
    receive(a, edit(doc, 'shape:1'))
    await vi.advanceTimersByTimeAsync(69)
    expect(attempts).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempts).toHaveLength(1)
    expect(Date.now() % INTERVAL_MS).toBe(0)
    queue.destroy()
  })

  it('retries a failed write with back-off, keeping the updates in order and acknowledging them once stored', async () => {
    const { queue, receive, peers, doc, attempts, failNext, stored, inner } = setUp()
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    failNext(2)
    const first = edit(doc, 'shape:1')
    receive(a, first)
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(attempts).toEqual([[first]])
    expect(queue.failing).toBe(true)
    expect(queue.hasPendingWrites).toBe(true)
    const second = edit(doc, 'shape:2')
    receive(a, second)
    // First back-off: two intervals.
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS - 1)
    expect(attempts).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempts[1]).toEqual([first, second])
    // Second back-off: four intervals.
    await vi.advanceTimersByTimeAsync(4 * INTERVAL_MS - 1)
    expect(attempts).toHaveLength(2)
    expect(savedOf(a)).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(attempts[2]).toEqual([first, second])
    expect(stored()).toEqual([first, second])
    expect(savedOf(a)).toEqual([2])
    expect(queue.failing).toBe(false)
    expect(queue.hasPendingWrites).toBe(false)
    queue.destroy()
  })

  it('records the editors of each stored batch once (one call per batch), including one that left before the write, and no one for adopted updates', async () => {
    const { queue, receive, peers, doc, inner, store } = setUp()
    await inner.load('r')
    const recorded: string[][] = []
    const recordEditors = store.recordEditors
    store.recordEditors = async (roomId, editors, at) => {
      recorded.push(editors.map((editor) => editor.id))
      await recordEditors(roomId, editors, at)
    }
    const [a, b, alsoA] = [peer('a'), peer('b'), fakePeer('a-tab', { user: { id: 'a', name: 'a', color: '#000000' } })]
    for (const p of [a, b, alsoA]) peers.add(p)
    for (let i = 0; i < 3; i++) receive(a, edit(doc, `shape:a${i}`))
    receive(alsoA, edit(doc, 'shape:a-tab'))
    receive(b, edit(doc, 'shape:b'))
    peers.delete(b)
    queue.forget(b)
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(recorded).toEqual([['a', 'b']])
    expect(Array.from(inner.rooms.get('r')!.editors.values(), (editor) => [editor.id, editor.lastEditAt.getTime()])).toEqual([
      ['a', INTERVAL_MS],
      ['b', INTERVAL_MS],
    ])
    queue.adopt([edit(doc, 'shape:adopted')])
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(recorded).toEqual([['a', 'b']])
    queue.destroy()
  })

  it('records a user at most once per EDITOR_RECORD_INTERVAL_MS while they keep editing, and again right after a version', async () => {
    const { queue, receive, peers, doc, inner, store } = setUp()
    await inner.load('r')
    const recorded: number[] = []
    const recordEditors = store.recordEditors
    store.recordEditors = async (roomId, editors, at) => {
      recorded.push(at.getTime())
      await recordEditors(roomId, editors, at)
    }
    const a = peer('a')
    peers.add(a)
    for (let i = 0; i < 10; i++) {
      receive(a, edit(doc, `shape:${i}`))
      await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    }
    expect(recorded).toEqual([INTERVAL_MS])
    queue.versionSaved()
    receive(a, edit(doc, 'shape:after-version'))
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(recorded).toEqual([INTERVAL_MS, 11 * INTERVAL_MS])
    await vi.advanceTimersByTimeAsync(EDITOR_RECORD_INTERVAL_MS)
    receive(a, edit(doc, 'shape:later'))
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(recorded).toHaveLength(3)
    queue.destroy()
  })

  it('writes the edits of a peer that left without telling it, then reports the room idle', async () => {
    const { queue, receive, peers, doc, stored, idle, inner } = setUp()
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    const update = edit(doc, 'shape:1')
    receive(a, update)
    peers.delete(a)
    queue.forget(a)
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(stored()).toEqual([update])
    expect(savedOf(a)).toEqual([])
    expect(idle).toHaveLength(1)
    queue.destroy()
  })

  it("stores adopted updates (another instance's) and confirms to the other instances what was published before the write began", async () => {
    const confirmed: number[] = []
    const link: StoredConfirmation = { lastSeq: 7, confirmStored: (seq) => void confirmed.push(seq) }
    const { queue, doc, stored, inner } = setUp({ link })
    await inner.load('r')
    const adopted = edit(doc, 'shape:adopted')
    queue.adopt([adopted])
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(stored()).toEqual([adopted])
    expect(confirmed).toEqual([7])
    queue.destroy()
  })

  it('folds the log into the snapshot once it is longer than compactAfterUpdates', async () => {
    const { queue, receive, peers, doc, inner, options } = setUp({ compactAfterUpdates: 1 })
    await inner.load('r')
    const a = peer('a')
    peers.add(a)
    receive(a, edit(doc, 'shape:1'))
    await queue.flush()
    expect(inner.rooms.get('r')!.log).toHaveLength(1)
    expect(inner.rooms.get('r')!.snapshot).toBeNull()
    receive(a, edit(doc, 'shape:2'))
    await queue.flush()
    expect(inner.rooms.get('r')!.log).toHaveLength(0)
    const snapshot = new Y.Doc()
    Y.applyUpdate(snapshot, inner.rooms.get('r')!.snapshot!.data)
    expect(Array.from(boardRecords(snapshot).keys()).sort()).toEqual(['shape:1', 'shape:2'])
    expect((await options.metrics.compactions.get()).values[0].value).toBe(1)
    queue.destroy()
  })
})
