import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { EMPTY_STATE_VECTOR, SyncStep, decodeFrame, encodeQueryAwareness, encodeSyncStep1, encodeSyncUpdate, readAwarenessEntries } from '../lib/wire.ts'
import { createDatabase, providerOf } from '../lib/db/client.ts'
import { PrismaRoomStore } from './storage/prismaRoomStore.ts'
import { SYNC_PART_BYTES } from './yjs/syncParts.ts'
import { startTestServer } from './testing/fixture.ts'
import {
  boardRecords,
  isAwareness,
  isSync,
  sendFramesAtOnce,
  shape,
  tokenFor,
  waitUntil,
  type ProviderClient,
} from './testing/support.ts'

const shapes = (client: ProviderClient) => boardRecords(client.doc)

describe('document sync', () => {
  it('brings N providers editing at once to the same document', async () => {
    const server = await startTestServer()
    const room = 'converge'
    const group = Array.from({ length: 6 }, (_, i) => server.connect(room, { sub: `u${i}`, name: `User ${i}` }))
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    group.forEach((client, i) => {
      for (let n = 0; n < 20; n++) shapes(client).set(`shape:${i}-${n}`, shape(`shape:${i}-${n}`, { x: i, y: n }))
    })
    await waitUntil(() => group.every((c) => shapes(c).size === 6 * 20), 'all shapes everywhere')
    shapes(group[0]).delete('shape:1-0')
    shapes(group[3]).set('shape:1-1', shape('shape:1-1', { x: 'moved' }))
    await waitUntil(() => group.every((c) => shapes(c).size === 6 * 20 - 1 && shapes(c).get('shape:1-1')?.meta.x === 'moved'), 'delete and move everywhere')
    const reference = shapes(group[0]).toJSON()
    for (const client of group) expect(shapes(client).toJSON()).toEqual(reference)
    expect(boardRecords(server.server.rooms.get(room)!.doc).toJSON()).toEqual(reference)
  })

  it('keeps rooms apart', async () => {
    const server = await startTestServer()
    const a = server.connect('room-a')
    const b = server.connect('room-b')
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    shapes(a).set('shape:only-a', shape('shape:only-a', { x: 1 }))
    const a2 = server.connect('room-a', { sub: 'u2' })
    await waitUntil(() => shapes(a2).has('shape:only-a'), 'second client of room a sees the shape')
    expect(shapes(b).has('shape:only-a')).toBe(false)
  })

  it('answers auth-ok with the identity from the token, then speaks y-websocket', async () => {
    const server = await startTestServer()
    const client = await server.authed('hello', { token: await tokenFor('hello', { sub: 'id-7', name: 'Grace', color: '#ff0000' }) })
    expect(client.controls()[0]).toEqual({
      type: 'auth-ok',
      room: 'hello',
      scope: 'edit',
      user: { id: 'id-7', name: 'Grace', color: '#ff0000' },
      heartbeatMs: 30_000,
      ping: true,
    })
    // The server's sync step 1 follows auth-ok.
    await expect(client.received(isSync(SyncStep.step1))).resolves.toBeInstanceOf(Uint8Array)
  })

  it('processes binary frames sent before auth-ok, in order', async () => {
    const server = await startTestServer()
    const observer = server.connect('early')
    await waitUntil(() => observer.provider.synced, 'observer synced')
    const client = server.raw('early')
    await client.opened
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    // Ten successive versions of one record: the observer must see them in the order sent.
    const seen: number[] = []
    boardRecords(observer.doc).observe((event) => {
      if (event.keysChanged.has('shape:order')) seen.push(boardRecords(observer.doc).get('shape:order')!.meta.n as number)
    })
    for (let n = 0; n < 10; n++) boardRecords(doc).set('shape:order', shape('shape:order', { n }))
    // All frames in one TCP write: the updates are certainly queued while the token is checked.
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token: await tokenFor('early') }), ...updates.map(encodeSyncUpdate)])
    await waitUntil(() => seen.length === 10, 'all early updates applied')
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('relays awareness and removes a leaving socket’s states (no ghost cursor)', async () => {
    const server = await startTestServer()
    const a = server.connect('aware', { sub: 'a' })
    const b = server.connect('aware', { sub: 'b' })
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    a.provider.awareness.setLocalStateField('cursor', { x: 10, y: 20 })
    const aId = a.doc.clientID
    await waitUntil(() => b.provider.awareness.getStates().get(aId)?.cursor?.x === 10, 'b sees a’s cursor')
    expect(b.provider.awareness.getStates().get(aId)?.cursor).toEqual({ x: 10, y: 20 })
    a.provider.disconnect()
    await waitUntil(() => !b.provider.awareness.getStates().has(aId), 'a’s cursor removed at b')
    expect(server.server.rooms.get('aware')?.awareness.getStates().has(aId)).toBe(false)
  })

  it('answers a query-awareness message with the room’s states', async () => {
    const server = await startTestServer()
    const a = server.connect('query', { sub: 'a' })
    await waitUntil(() => a.provider.synced, 'synced')
    a.provider.awareness.setLocalStateField('cursor', { x: 1 })
    const client = await server.authed('query', { sub: 'q' })
    await waitUntil(() => server.server.rooms.get('query')?.awareness.getStates().has(a.doc.clientID) ?? false, 'server has a’s state')
    const before = client.messages.length
    client.ws.send(encodeQueryAwareness())
    await waitUntil(() => client.messages.slice(before).some(isAwareness), 'awareness answer')
    const answer = decodeFrame(client.messages.slice(before).find(isAwareness)!) as { update: Uint8Array }
    expect(readAwarenessEntries(answer.update).map((entry) => entry.clientId)).toContain(a.doc.clientID)
  })
})

describe('token refused for good', () => {
  it('stops reconnecting when the app says the board is gone (4404), and retries when the token is only unavailable', async () => {
    const server = await startTestServer()
    let requests = 0
    const gone = server.connect('gone', {
      getToken: async () => {
        requests++
        throw Object.assign(new Error('HTTP 404'), { permanent: true })
      },
    })
    const closed = await new Promise<{ code: number }>((resolve) => gone.provider.on('closed', (event: { code: number }) => resolve(event)))
    expect(closed.code).toBe(4404)
    expect(gone.provider.shouldConnect).toBe(false)
    expect(requests).toBe(1)

    let attempts = 0
    const flaky = server.connect('flaky', {
      getToken: async () => {
        attempts++
        if (attempts < 3) throw new Error('network down')
        return tokenFor('flaky')
      },
    })
    await waitUntil(() => flaky.provider.synced, 'synced after the token came back')
    expect(attempts).toBe(3)
  })
})

describe('presence heartbeats', () => {
  it('lists the authenticated peers and updates on join and leave', async () => {
    const server = await startTestServer()
    const a = server.connect('presence', { sub: 'ada', name: 'Ada' })
    await waitUntil(() => a.lastPresence()?.peers.length === 1, 'a alone')
    const b = server.connect('presence', { sub: 'bob', name: 'Bob' })
    const viewer = server.connect('presence', { sub: 'val', name: 'Val', scope: 'view' })
    await waitUntil(() => a.lastPresence()?.peers.length === 3, 'three peers')
    const peers = a.lastPresence()!.peers.map(({ id, name, scope, connections }) => ({ id, name, scope, connections }))
    expect(peers.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'ada', name: 'Ada', scope: 'edit', connections: 1 },
      { id: 'bob', name: 'Bob', scope: 'edit', connections: 1 },
      { id: 'val', name: 'Val', scope: 'view', connections: 1 },
    ])
    const secondTab = server.connect('presence', { sub: 'bob', name: 'Bob' })
    await waitUntil(() => a.lastPresence()?.peers.find((p) => p.id === 'bob')?.connections === 2, 'bob has two tabs')
    b.destroy()
    secondTab.destroy()
    viewer.destroy()
    await waitUntil(() => a.lastPresence()?.peers.length === 1, 'a alone again')
    expect(a.lastPresence()!.peers[0].id).toBe('ada')
  })

  it('pushes presence on every interval', async () => {
    const heartbeatMs = 200
    const server = await startTestServer({ config: { heartbeatMs } })
    const client = await server.authed('tick')
    const arrivals: number[] = []
    client.ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary && (JSON.parse(data.toString()) as { type: string }).type === 'presence') arrivals.push(performance.now())
    })
    await waitUntil(() => arrivals.length >= 8, 'eight presence heartbeats')
    // Presence goes out every HEARTBEAT_MS / 2 (server/http/syncServer.ts). The median gap survives a
    // late tick on a busy machine, but not a timer set to the whole interval or to a quarter of it.
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]).sort((x, y) => x - y)
    const median = gaps[Math.floor(gaps.length / 2)]
    expect(median).toBeGreaterThan(0.6 * (heartbeatMs / 2))
    expect(median).toBeLessThan(1.5 * (heartbeatMs / 2))
  })

  it('terminates a socket that does not answer pings within two intervals', async () => {
    const server = await startTestServer({ config: { heartbeatMs: 200 } })
    const silent = await server.authed('pong', { sub: 'silent' })
    // Stop answering pings: ws answers them automatically unless we take over the socket's pong.
    ;(silent.ws as unknown as { pong: () => void }).pong = () => {}
    // Counted in the server's own ticks (presence goes out every half interval), not wall time.
    const presenceCount = () => silent.controls().filter((m) => m.type === 'presence').length
    const ticksBefore = presenceCount()
    const closed = await silent.closed
    expect(closed.code).toBe(1006)
    expect(presenceCount() - ticksBefore).toBeLessThanOrEqual(5)
  })

  it('keeps an idle client that answers pings connected', async () => {
    const server = await startTestServer({ config: { heartbeatMs: 100 } })
    const client = server.connect('idle')
    await waitUntil(() => client.provider.synced, 'synced')
    const pings = () => client.controls.filter((m) => m.type === 'presence').length
    // y-websocket closes a socket that received no message for 30 s; presence frames count as traffic.
    const lastMessageAt = () => (client.provider as unknown as { wsLastMessageReceived: number }).wsLastMessageReceived
    const before = lastMessageAt()
    await waitUntil(() => pings() >= 15, 'many heartbeats')
    expect(lastMessageAt()).toBeGreaterThan(before)
    expect(client.provider.wsconnected).toBe(true)
    expect(client.controls.filter((m) => m.type === 'auth-ok')).toHaveLength(1)
  })
})

describe('view-only sockets', () => {
  it('receive edits and show presence, but a write is refused with 1008 read-only', async () => {
    const server = await startTestServer()
    const editor = server.connect('readonly', { sub: 'ed' })
    await waitUntil(() => editor.provider.synced, 'editor synced')
    shapes(editor).set('shape:1', shape('shape:1', { x: 1 }))
    const viewer = server.connect('readonly', { sub: 'viewer', scope: 'view' })
    await waitUntil(() => viewer.provider.synced && shapes(viewer).has('shape:1'), 'viewer has the doc')
    // An empty sync step 2 (nothing new) is normal and keeps the viewer connected.
    expect(viewer.provider.wsconnected).toBe(true)
    shapes(editor).set('shape:2', shape('shape:2', { x: 2 }))
    await waitUntil(() => shapes(viewer).has('shape:2'), 'viewer sees live edits')
    viewer.provider.awareness.setLocalStateField('cursor', { x: 5 })
    await waitUntil(() => editor.provider.awareness.getStates().get(viewer.doc.clientID)?.cursor?.x === 5, 'viewer cursor shows')

    const rawViewer = await server.authed('readonly', { token: await tokenFor('readonly', { sub: 'sneaky', scope: 'view' }) })
    const evil = new Y.Doc()
    boardRecords(evil).set('shape:evil', shape('shape:evil', { x: 666 }))
    rawViewer.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(evil)))
    expect(await rawViewer.closed).toEqual({ code: 1008, reason: 'read-only' })
    expect(boardRecords(server.server.rooms.get('readonly')!.doc).has('shape:evil')).toBe(false)
    expect(shapes(editor).has('shape:evil')).toBe(false)
  })
})

describe('large documents', () => {
  it('sends a document of tens of MB in parts, updates first and the step 2 last; a provider syncs it without reconnecting', async () => {
    const server = await startTestServer()
    // Seed the room in the database (as a long-lived board would be): 20,000 shapes, ~24 MB.
    const seed = new Y.Doc()
    seed.transact(() => {
      for (let i = 0; i < 20_000; i++) boardRecords(seed).set(`shape:big-${i}`, shape(`shape:big-${i}`, { i, note: 'x'.repeat(1_000) }))
    })
    const whole = Y.encodeStateAsUpdate(seed)
    expect(whole.byteLength).toBeGreaterThan(20 * 1024 * 1024)
    const db = await createDatabase(server.database.url)
    const store = new PrismaRoomStore(db, providerOf(server.database.url))
    await store.load('big')
    await store.append('big', [whole])
    await db.$disconnect()

    const client = await server.authed('big')
    client.ws.send(encodeSyncStep1(EMPTY_STATE_VECTOR))
    await client.received(isSync(SyncStep.step2))
    const syncSteps = client.messages.filter(isSync()).map((message) => ({ message, frame: decodeFrame(message) as { step: SyncStep; payload: Uint8Array } }))
    // The server's own step 1 comes first; then the answer: updates, and the step 2 last.
    const answer = syncSteps.filter(({ frame }) => frame.step !== SyncStep.step1)
    expect(answer.length).toBeGreaterThanOrEqual(Math.ceil(whole.byteLength / SYNC_PART_BYTES))
    expect(answer.map(({ frame }) => frame.step)).toEqual([...Array<number>(answer.length - 1).fill(SyncStep.update), SyncStep.step2])
    for (const { message } of answer) expect(message.byteLength).toBeLessThan(SYNC_PART_BYTES + 4_096)
    const rebuilt = new Y.Doc()
    for (const { frame } of answer) Y.applyUpdate(rebuilt, frame.payload)
    expect(boardRecords(rebuilt).size).toBe(20_000)

    // A provider reports synced only once it holds everything, on its first connection.
    const provider = server.connect('big')
    let closes = 0
    provider.provider.on('connection-close', () => closes++)
    await waitUntil(() => provider.provider.synced, 'provider synced', 30_000)
    expect(boardRecords(provider.doc).size).toBe(20_000)
    expect(closes).toBe(0)
  }, 90_000)
})
