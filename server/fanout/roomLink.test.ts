/**
 * RoomLink's cross-instance protocol in one process: several `Room`s of the same id, one per
 * simulated instance, on one shared MemoryRoomStore (the instances' shared database), linked
 * through a MemoryBroker that can take an instance's connection down. The same promises as
 * server/fanout/cluster.test.ts checks with real processes, Redis and PostgreSQL, in milliseconds.
 */
import { closeReasonFor } from '../connection/closeReasons.ts'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { CloseReason, PresenceMessage } from '../../lib/protocol.ts'
import { SyncStep, decodeFrame, encodeAwarenessFrame, encodeSyncStep1, encodeSyncUpdate } from '../../lib/wire.ts'
import { decodeFanoutMessage, type FanoutMessage } from './pubSub.ts'
import { MemoryBroker, type MemoryPubSub } from './memoryPubSub.ts'
import { MemoryRoomStore } from '../storage/memoryRoomStore.ts'
import type { SyncStorage } from '../storage/roomStore.ts'
import { createLogger } from '../log.ts'
import { createMetrics } from '../http/metrics.ts'
import { Room, type RoomPeer } from '../room/room.ts'
import { boardRecords, shape, boardMethodsOf, versionMethodsOf, waitUntil } from '../testing/support.ts'

const ROOM = 'r'
const CHANNEL = `room:${ROOM}`
/** Remote presence expires after two of these. */
const HEARTBEAT_MS = 40
const EXPIRY_MS = 2 * HEARTBEAT_MS

/** A browser as the room sees it (the RoomPeer fake of room.test.ts), keeping a copy of what it was sent. */
interface Client extends RoomPeer {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly controls: { type: string }[]
  readonly closed: CloseReason[]
}

let sockets = 0

function client(name: string): Client {
  const doc = new Y.Doc()
  const awareness = new Awareness(doc)
  awareness.setLocalState(null)
  const controls: { type: string }[] = []
  const closed: CloseReason[] = []
  return {
    id: `${name}-${++sockets}`,
    user: { id: name, name, color: '#123456' },
    scope: 'edit',
    bufferedBytes: 0,
    doc,
    awareness,
    controls,
    closed,
    end: (error) => closed.push(closeReasonFor(error)),
    send(data) {
      if (typeof data === 'string') {
        controls.push(JSON.parse(data) as { type: string })
        return
      }
      const frame = decodeFrame(data)
      if (frame.type === 'awareness') applyAwarenessUpdate(awareness, frame.update, 'server')
      else if (frame.type === 'sync' && frame.step !== SyncStep.step1) Y.applyUpdate(doc, frame.payload, 'server')
    },
  }
}

/** The user ids the client's latest presence frame lists. */
function presentUsers(c: Client): string[] {
  const presence = c.controls.filter((m): m is PresenceMessage => m.type === 'presence').at(-1)
  return (presence?.peers ?? []).map((peer) => peer.id).sort()
}

function cursorOf(viewer: Client, of: Client): unknown {
  return (viewer.awareness.getStates().get(of.doc.clientID) as { cursor?: unknown } | undefined)?.cursor
}

/**
 * Instance ids order the election (the lowest live one adopts a dead instance's updates), so
 * tests name them 'a' < 'b' < 'c'. Every instance writes to the one shared store, unless its
 * writes are held (a write under way) or it crashed (a held write is then lost).
 */
class Instance {
  readonly peers = new Set<Client>()
  writesHeld = false
  crashed = false
  /** False once crashed or stopped. */
  alive = true
  /** Rows this instance appended to the shared store. */
  storedRows = 0
  private releaseWrites: (() => void)[] = []

  private constructor(
    readonly pubsub: MemoryPubSub,
    readonly room: Room,
  ) {}

  static async start(cluster: Cluster, id: string): Promise<Instance> {
    const pubsub = cluster.broker.connect(id)
    let instance: Instance | null = null
    const db = cluster.db
    const store: SyncStorage = {
      ...versionMethodsOf(db),
      load: db.load.bind(db),
      ...boardMethodsOf(db),
      compact: db.compact.bind(db),
      ping: db.ping.bind(db),
      close: db.close.bind(db),
      append: async (roomId, updates) => {
        if (instance?.writesHeld) await new Promise<void>((resolve) => instance!.releaseWrites.push(resolve))
        if (instance?.crashed) throw new Error('the process died before its write')
        await db.append(roomId, updates)
        cluster.rows.push(...updates)
        if (instance) instance.storedRows += updates.length
      },
    }
    const room = await Room.load(ROOM, {
      store,
      persistIntervalMs: 5,
      compactAfterUpdates: 10_000,
      awarenessFlushMs: 5,
      maxDocBytes: 1024 * 1024,
      awarenessMaxBytes: 1024,
      awarenessMaxClients: 4,
      pubsub,
      heartbeatMs: HEARTBEAT_MS,
      versionIdleMs: 60_000,
      versionEveryMs: 600_000,
      versionRetentionDays: 30,
      metrics: createMetrics(),
      log: createLogger('silent'),
      onIdle: () => {},
      onBroken: () => {},
    })
    // As server/http/syncServer.ts wires it: after an outage every room asks the others for what it missed.
    pubsub.onReconnect(() => room.link?.requestState())
    instance = new Instance(pubsub, room)
    return instance
  }

  get id(): string {
    return this.pubsub.instanceId
  }

  /** A client joins and asks for the whole document, as y-websocket's provider does. */
  join(name: string): Client {
    const c = client(name)
    this.peers.add(c)
    this.room.join(c)
    this.room.receive(c, encodeSyncStep1(Y.encodeStateVector(c.doc)))
    return c
  }

  leave(c: Client): void {
    this.peers.delete(c)
    this.room.leave(c)
  }

  /** The client adds a shape and sends the update, as the provider does. */
  write(c: Client, key: string): void {
    const before = Y.encodeStateVector(c.doc)
    boardRecords(c.doc).set(key, shape(key))
    const update = Y.encodeStateAsUpdate(c.doc, before)
    this.room.receive(c, encodeSyncUpdate(update))
  }

  moveCursor(c: Client, x: number): void {
    c.awareness.setLocalState({ cursor: { x } })
    this.room.receive(c, encodeAwarenessFrame(encodeAwarenessUpdate(c.awareness, [c.doc.clientID])))
  }

  /** A write has reached the store and waits there (held). */
  get writeWaiting(): boolean {
    return this.releaseWrites.length > 0
  }

  /** Lets the writes held so far reach the store; later ones are held again. */
  releaseHeldWrites(): void {
    for (const resolve of this.releaseWrites.splice(0)) resolve()
  }

  resumeWrites(): void {
    this.writesHeld = false
    this.releaseHeldWrites()
  }

  /** SIGKILL: no goodbye, nothing more published or stored, pending writes lost. */
  crash(): void {
    this.crashed = true
    this.alive = false
    this.pubsub.disconnect()
    this.resumeWrites()
    this.room.destroy()
    void this.pubsub.close()
  }

  /** SIGTERM: everything stored first, then the room says goodbye. */
  async stop(): Promise<void> {
    await this.room.flushPendingUpdates()
    this.alive = false
    this.room.destroy()
    await this.pubsub.close()
  }
}

class Cluster {
  readonly broker = new MemoryBroker()
  readonly db = new MemoryRoomStore()
  /** Every row the instances appended to the room's log (the tests never compact it). */
  readonly rows: Uint8Array[] = []
  readonly instances: Instance[] = []
  private heartbeat: NodeJS.Timeout | null = null
  private readonly tapped: { from: string; message: FanoutMessage; at: number }[] = []

  constructor() {
    // Connected first, so it receives each message no later than any instance does.
    const observer = this.broker.connect('observer')
    observer.subscribe(CHANNEL, (data) => this.tapped.push({ ...decodeFanoutMessage(data), at: Date.now() }))
  }

  async start(id: string): Promise<Instance> {
    const instance = await Instance.start(this, id)
    this.instances.push(instance)
    return instance
  }

  /** Every message on the room's channel so far, as another subscriber saw it. */
  messages(type?: FanoutMessage['type'], from?: Instance): { from: string; message: FanoutMessage; at: number }[] {
    return this.tapped.filter((m) => (type === undefined || m.message.type === type) && (from === undefined || m.from === from.id))
  }

  /** Runs every live instance's presence heartbeat every HEARTBEAT_MS / 2, as server/http/syncServer.ts does. */
  startHeartbeats(): void {
    this.heartbeat = setInterval(() => {
      for (const instance of this.instances) if (instance.alive) instance.room.announcePresence()
    }, HEARTBEAT_MS / 2)
  }

  /** Nothing on its way through the broker and no write queued or under way on any live instance. */
  async settled(): Promise<void> {
    await waitUntil(async () => {
      await this.broker.drained()
      return this.instances.every((i) => !i.alive || !i.room.hasPendingWrites)
    }, 'the cluster to settle')
    await this.broker.drained()
  }

  /** How many stored rows write the record `key` (an update stored twice counts twice). */
  rowsWriting(key: string): number {
    return this.rows.filter((row) => Y.decodeUpdate(row).structs.some((struct) => struct instanceof Y.Item && struct.parentSub === key)).length
  }

  storedKeys(): string[] {
    const doc = new Y.Doc()
    for (const row of this.rows) Y.applyUpdate(doc, row)
    return Array.from(boardRecords(doc).keys()).sort()
  }

  /** Stops everything; returns the close reasons any room gave its clients (none expected). */
  dispose(): CloseReason[] {
    if (this.heartbeat) clearInterval(this.heartbeat)
    const closed: CloseReason[] = []
    for (const instance of this.instances) {
      if (instance.alive) instance.crash()
      for (const c of instance.peers) {
        c.awareness.destroy()
        closed.push(...c.closed)
      }
    }
    return closed
  }
}

/** A cluster disposed when the test finishes, checking that no room closed a client meanwhile. */
function cluster(): Cluster {
  const created = new Cluster()
  onTestFinished(() => {
    expect(created.dispose()).toEqual([])
  })
  return created
}

const keys = (c: Client) => Array.from(boardRecords(c.doc).keys()).sort()

describe('MemoryPubSub', () => {
  it('delivers later, in order, to every subscriber (the publisher too); drops what an instance cannot send or receive; runs reconnect listeners once both connections are back', async () => {
    const broker = new MemoryBroker()
    const [a, b] = [broker.connect('a'), broker.connect('b')]
    const got = { a: [] as number[], b: [] as number[] }
    a.subscribe('ch', (m) => got.a.push(m[0]))
    b.subscribe('ch', (m) => got.b.push(m[0]))
    let reconnects = 0
    b.onReconnect(() => reconnects++)
    a.publish('ch', new Uint8Array([1]))
    a.publish('ch', new Uint8Array([2]))
    expect(got.b).toEqual([])
    await broker.drained()
    expect(got).toEqual({ a: [1, 2], b: [1, 2] })

    // In flight when b's subscriber goes down: lost, as Redis keeps nothing for it.
    a.publish('ch', new Uint8Array([3]))
    b.disconnect('subscriber')
    b.publish('ch', new Uint8Array([4]))
    await broker.drained()
    expect(got).toEqual({ a: [1, 2, 3, 4], b: [1, 2] })
    b.reconnect('subscriber')
    await broker.drained()
    await waitUntil(() => reconnects === 1, 'the reconnect listener')

    b.disconnect('publisher')
    b.publish('ch', new Uint8Array([5]))
    await broker.drained()
    expect(got.a).toEqual([1, 2, 3, 4])
    b.disconnect('subscriber')
    b.reconnect('publisher')
    // One turn: a listener run for this reconnect would have run by now.
    await new Promise((resolve) => setImmediate(resolve))
    expect(reconnects).toBe(1)
    b.reconnect('subscriber')
    await waitUntil(() => reconnects === 2, 'the listener once both are back')
    b.unsubscribe('ch')
    a.publish('ch', new Uint8Array([6]))
    await broker.drained()
    expect(got).toEqual({ a: [1, 2, 3, 4, 6], b: [1, 2] })
    await Promise.all([a.close(), b.close()])
  })
})

describe('RoomLink across instances (in memory)', () => {
  it("relays an update to the other instances' peers, does not publish it again, and stores it once", async () => {
    const cl = cluster()
    const [a, b, c] = [await cl.start('a'), await cl.start('b'), await cl.start('c')]
    const [alice, bob, carol] = [a.join('alice'), b.join('bob'), c.join('carol')]
    // The join-time state exchange done (an answer to it may carry an edit made meanwhile again).
    await cl.broker.drained()
    a.write(alice, 'shape:1')
    await waitUntil(() => boardRecords(bob.doc).has('shape:1') && boardRecords(carol.doc).has('shape:1'), 'the update on b and c')
    await cl.settled()
    expect(cl.rowsWriting('shape:1')).toBe(1)
    // Applied elsewhere with a RemoteOrigin: neither stored nor published again there.
    expect(cl.messages('update').map((m) => m.from)).toEqual(['a'])
    const persisted = cl.messages('persisted', a).map((m) => (m.message as { seq: number }).seq)
    expect(persisted.at(-1)).toBeGreaterThanOrEqual((cl.messages('update', a)[0].message as { seq: number }).seq)
    expect(keys(alice)).toEqual(['shape:1'])
  })

  it('a room loaded later gets what is not stored yet from the others (state exchange, not the store)', async () => {
    const cl = cluster()
    const a = await cl.start('a')
    const alice = a.join('alice')
    a.writesHeld = true
    for (let n = 0; n < 5; n++) a.write(alice, `shape:${n}`)
    const b = await cl.start('b')
    expect(boardRecords(b.room.doc).size).toBe(0)
    const bob = b.join('bob')
    await waitUntil(() => keys(bob).length === 5, "the late instance's client has a's edits")
    expect(cl.storedKeys()).toEqual([])
    expect(cl.messages('sync-request', b)).toHaveLength(1)
    expect(cl.messages('sync-reply', a).map((m) => (m.message as { to: string }).to)).toEqual(['b'])
    a.resumeWrites()
    await cl.settled()
    for (let n = 0; n < 5; n++) expect(cl.rowsWriting(`shape:${n}`)).toBe(1)
  })

  it('cursors cross instances with the identity of the token, and leave with their socket', async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const [alice, bob] = [a.join('alice'), b.join('bob')]
    a.moveCursor(alice, 7)
    await waitUntil(() => (cursorOf(bob, alice) as { x?: number } | undefined)?.x === 7, "alice's cursor on b")
    expect(bob.awareness.getStates().get(alice.doc.clientID)).toMatchObject({ user: { id: 'alice', name: 'alice', color: '#123456' } })
    // A client of b cannot overwrite a state that another instance's client announced.
    const forged = client('mallory')
    b.peers.add(forged)
    b.room.join(forged)
    forged.doc.clientID = alice.doc.clientID
    const forgedAwareness = new Awareness(forged.doc)
    for (let x = 90; x < 100; x++) forgedAwareness.setLocalState({ cursor: { x } })
    b.room.receive(forged, encodeAwarenessFrame(encodeAwarenessUpdate(forgedAwareness, [alice.doc.clientID])))
    forgedAwareness.destroy()
    expect((b.room.awareness.getStates().get(alice.doc.clientID) as { cursor: { x: number } }).cursor.x).toBe(7)
    a.leave(alice)
    await waitUntil(() => !bob.awareness.getStates().has(alice.doc.clientID), 'the cursor removed on b')
    expect(b.room.awareness.getStates().has(alice.doc.clientID)).toBe(false)
  })

  it("presence lists every instance's users; a vanished instance's users and cursors go when its window ends, not before", async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const [alice, bob] = [a.join('alice'), b.join('bob')]
    a.join('alice') // a second tab: one user, two connections
    await waitUntil(() => presentUsers(bob).join() === 'alice,bob' && presentUsers(alice).join() === 'alice,bob', 'presence across instances')
    const lastPresence = bob.controls.filter((m): m is PresenceMessage => m.type === 'presence').at(-1)!
    expect(lastPresence.peers.find((p) => p.id === 'alice')?.connections).toBe(2)
    a.moveCursor(alice, 1)
    await waitUntil(() => cursorOf(bob, alice) !== undefined, 'the cursor on b')

    // a's last words: its presence heartbeat; then it dies without a goodbye.
    await cl.broker.drained()
    const sentAt = Date.now()
    a.room.announcePresence()
    await cl.broker.drained()
    const receivedBy = Date.now()
    a.crash()
    const link = b.room.link!
    link.pruneExpired(sentAt + EXPIRY_MS - 1)
    expect(link.remotePeers().map((p) => p.id)).toEqual(['alice'])
    link.pruneExpired(receivedBy + EXPIRY_MS)
    expect(link.remotePeers()).toEqual([])
    expect(presentUsers(bob)).toEqual(['bob'])
    await waitUntil(() => cursorOf(bob, alice) === undefined, "the dead instance's cursor removed")
  })

  it('the heartbeat drops a vanished instance from presence within two intervals', async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const bob = b.join('bob')
    a.join('alice')
    cl.startHeartbeats()
    await waitUntil(() => presentUsers(bob).join() === 'alice,bob', 'presence across instances')
    a.crash()
    await waitUntil(() => presentUsers(bob).join() === 'bob', "alice gone from b's presence", 2_000)
    const droppedBy = Date.now()
    // Not before the window that started with a's last message (the observer hears it first) ended.
    const lastHeardOfA = Math.max(...cl.messages(undefined, a).map((m) => m.at))
    expect(droppedBy - lastHeardOfA).toBeGreaterThanOrEqual(EXPIRY_MS)
  })

  it('a graceful stop stores everything, says goodbye, and leaves nothing to adopt', async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const [alice, bob] = [a.join('alice'), b.join('bob')]
    b.write(bob, 'shape:b')
    b.moveCursor(bob, 3)
    await waitUntil(() => presentUsers(alice).join() === 'alice,bob' && boardRecords(alice.doc).has('shape:b') && cursorOf(alice, bob) !== undefined, 'b seen on a')
    await b.stop()
    // No heartbeat runs here: only the goodbye can remove bob.
    await waitUntil(() => presentUsers(alice).join() === 'alice' && cursorOf(alice, bob) === undefined, 'bob gone at once, without waiting for the window')
    expect(cl.messages('bye', b)).toHaveLength(1)
    a.room.link!.pruneExpired(Date.now() + 10 * EXPIRY_MS)
    await cl.settled()
    expect(cl.rowsWriting('shape:b')).toBe(1)
  })

  // The dead instance's edit stored before it died must not be stored again; of the survivors, the lowest id stores the rest.
  it.each([
    { name: 'c', rows: [2, 0, 1] },
    { name: 'a', rows: [2, 1, 0] },
  ])('updates relayed by an instance that dies before storing them are stored once, by the lowest live instance ($name dies)', async ({ name, rows }) => {
    const dies = 'abc'.indexOf(name)
    const cl = cluster()
    const instances = [await cl.start('a'), await cl.start('b'), await cl.start('c')]
    const clients = instances.map((instance, i) => instance.join(['alice', 'bob', 'carol'][i]))
    const survivors = [0, 1, 2].filter((i) => i !== dies)
    instances[0].write(clients[0], 'shape:first')
    instances[dies].write(clients[dies], 'shape:stored')
    await cl.settled()
    instances[dies].writesHeld = true
    instances[dies].write(clients[dies], 'shape:lost')
    await waitUntil(() => survivors.every((i) => boardRecords(clients[i].doc).has('shape:lost')), 'relayed to the others')
    instances[dies].crash()
    cl.startHeartbeats()
    const alive = survivors.map((i) => clients[i].user.id).join()
    await waitUntil(() => survivors.every((i) => presentUsers(clients[i]).join() === alive), 'the dead instance expired on the others')
    await cl.settled()
    for (const key of ['shape:first', 'shape:stored', 'shape:lost']) expect(cl.rowsWriting(key)).toBe(1)
    // Elected by id: the lowest survivor stored the lost update as one row besides its own; the other stored nothing.
    expect(instances.map((instance) => instance.storedRows)).toEqual(rows)
  })

  it('an instance that edits while its join exchange is under way and dies before storing: the edit, published again in the exchange, is stored once', async () => {
    const cl = cluster()
    const [b, c] = [await cl.start('b'), await cl.start('c')]
    const [bob, carol] = [b.join('bob'), c.join('carol')]
    await cl.settled()
    const a = await cl.start('a')
    a.writesHeld = true
    a.write(a.join('alice'), 'shape:from-a')
    await waitUntil(() => boardRecords(bob.doc).has('shape:from-a') && boardRecords(carol.doc).has('shape:from-a'), 'relayed to b and c')
    await cl.broker.drained()
    // b and c answered a's request before its edit reached them: a sent the edit again with each answer.
    expect(cl.messages('update', a).length).toBeGreaterThan(1)
    a.crash()
    cl.startHeartbeats()
    await waitUntil(() => presentUsers(bob).join() === 'bob,carol' && presentUsers(carol).join() === 'bob,carol', 'a expired on b and c')
    await cl.settled()
    expect(cl.rowsWriting('shape:from-a')).toBe(1)
    expect([b.storedRows, c.storedRows]).toEqual([1, 0])
  })

  it('an instance with no edits of its own answers a join as stored at once: its death leaves nothing to adopt', async () => {
    const cl = cluster()
    const [b, c] = [await cl.start('b'), await cl.start('c')]
    b.join('bob')
    c.write(c.join('carol'), 'shape:from-c')
    await cl.settled()
    const a = await cl.start('a')
    const alice = a.join('alice')
    await waitUntil(() => keys(alice).join() === 'shape:from-c', 'the answers to a')
    await cl.settled()
    expect(cl.messages('sync-reply', b)).toHaveLength(2)
    b.crash()
    a.room.link!.pruneExpired(Date.now() + EXPIRY_MS)
    await cl.settled()
    expect(cl.rowsWriting('shape:from-c')).toBe(1)
    expect(a.storedRows).toBe(0)
  })

  it("after an outage of one instance's connection both sides converge, each edit stored once, and a later crash adopts nothing", async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const [alice, bob] = [a.join('alice'), b.join('bob')]
    a.write(alice, 'shape:before')
    await waitUntil(() => boardRecords(bob.doc).has('shape:before'), 'relayed before the outage')
    await cl.settled()

    b.pubsub.disconnect()
    a.write(alice, 'shape:a-during')
    b.write(bob, 'shape:b-during')
    await cl.settled()
    // Each instance kept serving (and storing for) its own clients; nothing crossed.
    expect(keys(alice)).toEqual(['shape:a-during', 'shape:before'])
    expect(keys(bob)).toEqual(['shape:b-during', 'shape:before'])
    expect(cl.storedKeys()).toEqual(['shape:a-during', 'shape:b-during', 'shape:before'])

    b.pubsub.reconnect()
    const converged = ['shape:a-during', 'shape:b-during', 'shape:before']
    await waitUntil(() => keys(alice).join() === converged.join() && keys(bob).join() === converged.join(), 'both sides converge')
    await cl.settled()
    expect(Y.encodeStateVector(a.room.doc)).toEqual(Y.encodeStateVector(b.room.doc))
    for (const key of converged) expect(cl.rowsWriting(key)).toBe(1)

    // What the exchange sent is stored already: when b dies, a has nothing of b's to store again.
    b.crash()
    a.room.link!.pruneExpired(Date.now() + EXPIRY_MS)
    await cl.settled()
    for (const key of converged) expect(cl.rowsWriting(key)).toBe(1)
  })

  it('the instance that asked after an outage gets back edits made on a third instance while it was away', async () => {
    const cl = cluster()
    const [a, b, c] = [await cl.start('a'), await cl.start('b'), await cl.start('c')]
    const [alice, bob, carol] = [a.join('alice'), b.join('bob'), c.join('carol')]
    a.pubsub.disconnect('subscriber')
    c.write(carol, 'shape:from-c')
    b.write(bob, 'shape:from-b')
    await cl.settled()
    expect(keys(alice)).toEqual([])
    a.write(alice, 'shape:from-a')
    await waitUntil(() => keys(bob).includes('shape:from-a') && keys(carol).includes('shape:from-a'), "a's publishes still go out")
    a.pubsub.reconnect('subscriber')
    const all = ['shape:from-a', 'shape:from-b', 'shape:from-c']
    await waitUntil(() => [alice, bob, carol].every((x) => keys(x).join() === all.join()), 'all three converge')
    await cl.settled()
    for (const key of all) expect(cl.rowsWriting(key)).toBe(1)
  })

  it('an outage longer than the window: the partitioned instance is taken for dead, so its unconfirmed updates are stored at least once, and its users return with it', async () => {
    const cl = cluster()
    const [a, b] = [await cl.start('a'), await cl.start('b')]
    const [alice, bob] = [a.join('alice'), b.join('bob')]
    cl.startHeartbeats()
    await waitUntil(() => presentUsers(alice).join() === 'alice,bob', 'presence across instances')
    b.writesHeld = true
    b.write(bob, 'shape:b')
    await waitUntil(() => boardRecords(alice.doc).has('shape:b'), 'relayed to a')
    b.pubsub.disconnect()
    b.resumeWrites()
    await waitUntil(() => presentUsers(alice).join() === 'alice' && presentUsers(bob).join() === 'bob', 'each side alone after the window')
    await cl.settled()
    // a cannot tell a split from a death: it stored b's update too (never lost, possibly twice).
    expect(cl.rowsWriting('shape:b')).toBe(2)
    b.pubsub.reconnect()
    await waitUntil(() => presentUsers(alice).join() === 'alice,bob' && presentUsers(bob).join() === 'alice,bob', 'presence back after the outage')
  })

  it('a sync reply sent while a write is under way is confirmed once that write is stored, so a crash then adopts nothing', async () => {
    const cl = cluster()
    const c = await cl.start('c')
    const carol = c.join('carol')
    c.writesHeld = true
    c.write(carol, 'shape:1')
    await waitUntil(() => c.writeWaiting, 'a write under way on c')
    // a loads the room while c's write is in flight; c's reply to it holds shape:1.
    const a = await cl.start('a')
    const alice = a.join('alice')
    await waitUntil(() => boardRecords(alice.doc).has('shape:1'), "c's edit reached a by the state exchange")
    c.resumeWrites()
    await cl.settled()
    expect(cl.rowsWriting('shape:1')).toBe(1)
    c.crash()
    a.room.link!.pruneExpired(Date.now() + EXPIRY_MS)
    await cl.settled()
    expect(cl.rowsWriting('shape:1')).toBe(1)
  })

  it('an instance that adopted a dead one\'s updates and answered a join before storing them: its own death loses none of them', async () => {
    const cl = cluster()
    const [b, c] = [await cl.start('b'), await cl.start('c')]
    const [bob, carol] = [b.join('bob'), c.join('carol')]
    c.writesHeld = true
    c.write(carol, 'shape:from-c')
    await waitUntil(() => boardRecords(bob.doc).has('shape:from-c'), 'relayed to b')
    b.writesHeld = true
    b.write(bob, 'shape:from-b')
    await waitUntil(() => b.writeWaiting, "b's own write under way")
    c.crash()
    // b prunes c and adopts shape:from-c while its own write is still under way.
    b.room.link!.pruneExpired(Date.now() + EXPIRY_MS)
    expect(presentUsers(bob)).toEqual(['bob'])
    const a = await cl.start('a')
    const alice = a.join('alice')
    await waitUntil(() => keys(alice).join() === 'shape:from-b,shape:from-c', "b's answer to a's join")
    b.releaseHeldWrites()
    await waitUntil(() => b.storedRows === 1, "b's own write stored")
    await waitUntil(() => b.writeWaiting, 'the adopted update held on b')
    await cl.broker.drained()
    b.crash()
    a.room.link!.pruneExpired(Date.now() + EXPIRY_MS)
    await cl.settled()
    expect(cl.storedKeys()).toEqual(['shape:from-b', 'shape:from-c'])
    expect(cl.rowsWriting('shape:from-c')).toBe(1)
  })
})
