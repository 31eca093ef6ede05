import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { decodeFrame, MalformedFrameError, readAwarenessEntries, writeAwarenessEntries, type AwarenessEntry } from '../../lib/wire.ts'
import { RemoteOrigin } from '../fanout/roomLink.ts'
import { AwarenessRelay, type AwarenessPublisher } from './awarenessRelay.ts'
import { AwarenessTooLargeError } from './errors.ts'
import type { RoomPeer } from './peer.ts'
import { fakePeer } from '../testing/fakePeer.ts'

const FLUSH_MS = 50
const limits = { awarenessFlushMs: FLUSH_MS, awarenessMaxBytes: 200, awarenessMaxClients: 2 }

const peer = (id: string) => fakePeer(id, { user: { id, name: `name ${id}`, color: '#123456' } })

/** An awareness update announcing `state` for `clientId` at `clock`. */
const announce = (clientId: number, clock: number, state: unknown) => writeAwarenessEntries([{ clientId, clock, json: JSON.stringify(state) }])

/** The entries of the awareness frames a peer got since `from`. */
function relayedTo(p: { sent: (Uint8Array | string)[] }, from = 0): AwarenessEntry[][] {
  return p.sent.slice(from).map((message) => {
    const frame = decodeFrame(message as Uint8Array)
    if (frame.type !== 'awareness') throw new Error(`expected an awareness frame, got ${frame.type}`)
    return readAwarenessEntries(frame.update)
  })
}

function setUp(link: AwarenessPublisher | null = null) {
  const peers = new Set<RoomPeer>()
  const relay = new AwarenessRelay(new Y.Doc(), peers, limits, link)
  const [a, b, c] = [peer('a'), peer('b'), peer('c')]
  for (const p of [a, b, c]) peers.add(p)
  return { relay, peers, a, b, c }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('AwarenessRelay', () => {
  it('relays a storm of changes as one message per tick, encoded once, and not back to its only sender', async () => {
    const { relay, a, b, c } = setUp()
    for (let clock = 1; clock <= 20; clock++) relay.receive(a, announce(1, clock, { cursor: { x: clock } }))
    expect(b.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    expect(relayedTo(b)).toEqual([[{ clientId: 1, clock: 20, json: JSON.stringify({ cursor: { x: 20 }, user: a.user }) }]])
    expect(c.sent).toHaveLength(1)
    expect(c.sent[0]).toBe(b.sent[0])
    expect(a.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(10 * FLUSH_MS)
    expect(b.sent).toHaveLength(1)
    relay.destroy()
  })

  it('sends the tick to every peer when several peers changed something in it', async () => {
    const { relay, a, b, c } = setUp()
    relay.receive(a, announce(1, 1, { cursor: 1 }))
    relay.receive(b, announce(2, 1, { cursor: 2 }))
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    for (const p of [a, b, c]) expect(relayedTo(p).map((entries) => entries.map((entry) => entry.clientId))).toEqual([[1, 2]])
    relay.destroy()
  })

  it('keeps a client id for the peer that announced it: another peer cannot overwrite it', () => {
    const { relay, a, b } = setUp()
    relay.receive(a, announce(7, 1, { cursor: 'a' }))
    relay.receive(b, writeAwarenessEntries([
      { clientId: 7, clock: 2, json: JSON.stringify({ cursor: 'b' }) },
      { clientId: 8, clock: 1, json: JSON.stringify({ cursor: 'b' }) },
    ]))
    expect(relay.awareness.getStates().get(7)).toEqual({ cursor: 'a', user: a.user })
    expect(relay.awareness.getStates().get(8)).toEqual({ cursor: 'b', user: b.user })
    relay.destroy()
  })

  it('shows the identity from the token, whatever the state claims', () => {
    const { relay, a } = setUp()
    relay.receive(a, announce(1, 1, { user: { id: 'boss', name: 'Boss' }, presence: { userId: 'boss', userName: 'Boss', color: '#ff0000', cursor: 3 } }))
    expect(relay.awareness.getStates().get(1)).toEqual({
      user: a.user,
      presence: { userId: 'a', userName: 'name a', color: '#123456', cursor: 3 },
    })
    relay.destroy()
  })

  it('refuses a state over the size cap and more client ids than a peer may announce, applying nothing', () => {
    const { relay, a } = setUp()
    expect(() => relay.receive(a, announce(1, 1, { blob: 'x'.repeat(limits.awarenessMaxBytes) }))).toThrow(AwarenessTooLargeError)
    expect(relay.awareness.getStates().size).toBe(0)
    relay.receive(a, announce(1, 1, { n: 1 }))
    relay.receive(a, announce(2, 1, { n: 2 }))
    expect(() => relay.receive(a, announce(3, 1, { n: 3 }))).toThrow(AwarenessTooLargeError)
    expect(Array.from(relay.awareness.getStates().keys()).sort()).toEqual([1, 2])
    // A client id the peer owns already is no new one.
    relay.receive(a, announce(2, 2, { n: 22 }))
    expect(relay.awareness.getStates().get(2)).toEqual({ n: 22, user: a.user })
    relay.destroy()
  })

  it('throws MalformedFrameError for an update that does not decode or a state that is not JSON', () => {
    const { relay, a } = setUp()
    expect(() => relay.receive(a, new Uint8Array([50, 1, 2]))).toThrow(MalformedFrameError)
    expect(() => relay.receive(a, writeAwarenessEntries([{ clientId: 1, clock: 1, json: '{not json' }]))).toThrow(MalformedFrameError)
    expect(relay.awareness.getStates().size).toBe(0)
    relay.destroy()
  })

  it("removes a leaving peer's states and tells the others", async () => {
    const { relay, peers, a, b } = setUp()
    relay.receive(a, announce(1, 1, { cursor: 1 }))
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    const seen = b.sent.length
    peers.delete(a)
    relay.forget(a)
    expect(relay.awareness.getStates().has(1)).toBe(false)
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    // A removed state travels as null (y-protocols keeps the clock of a state it did not make).
    expect(relayedTo(b, seen)).toEqual([[{ clientId: 1, clock: 1, json: 'null' }]])
    relay.destroy()
  })

  it("publishes its own peers' changes once per tick, not those of other instances, and drops a vanished instance's cursors", async () => {
    const published: Uint8Array[] = []
    const { relay, a } = setUp({ publishAwareness: (update) => void published.push(update) })
    relay.receive(a, announce(1, 1, { cursor: 1 }))
    relay.receive(a, announce(1, 2, { cursor: 2 }))
    const remote = new Y.Doc()
    const remoteAwareness = new Awareness(remote)
    remoteAwareness.setLocalState({ cursor: 'remote' })
    applyAwarenessUpdate(relay.awareness, encodeAwarenessUpdate(remoteAwareness, [remote.clientID]), new RemoteOrigin('other', 0))
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    expect(published.map((update) => readAwarenessEntries(update).map((entry) => [entry.clientId, entry.clock]))).toEqual([[[1, 2]]])
    relay.dropInstance('other')
    expect(relay.awareness.getStates().has(remote.clientID)).toBe(false)
    expect(relay.awareness.getStates().has(1)).toBe(true)
    remoteAwareness.destroy()
    relay.destroy()
  })

  it('sends a peer every state it holds, and nothing when there is none', () => {
    const { relay, a, b } = setUp()
    relay.sendStates(b)
    expect(b.sent).toHaveLength(0)
    relay.receive(a, announce(1, 1, { cursor: 1 }))
    relay.sendStates(b)
    expect(relayedTo(b)).toEqual([[{ clientId: 1, clock: 1, json: JSON.stringify({ cursor: 1, user: a.user }) }]])
    relay.destroy()
  })
})
