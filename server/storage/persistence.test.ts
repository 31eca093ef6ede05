import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDatabase, driverAdapterOf, providerOf, type Database } from '../../lib/db/client.ts'
import { EMPTY_UPDATE, encodeAwarenessFrame, encodeSyncUpdate, writeAwarenessEntries } from '../../lib/wire.ts'
import { PrismaRoomStore } from './prismaRoomStore.ts'
import type { SyncStorage } from './roomStore.ts'
import { startTestProcess, startTestServer, useTempDatabase, type TestDatabase } from '../testing/fixture.ts'
import {
  authedRawClient,
  boardRecords,
  firstSync,
  freePort,
  savedThrough,
  shape,
  storedDoc,
  scrapeMetrics,
  tokenFor,
  boardMethodsOf, versionMethodsOf,
  waitUntil,
} from '../testing/support.ts'

/** Runs one query on a separate connection (SQLite or PostgreSQL alike). */
async function withDb<T>(database: TestDatabase, use: (db: Database) => Promise<T>): Promise<T> {
  const db = await createDatabase(database.url)
  try {
    return await use(db)
  } finally {
    await db.$disconnect()
  }
}

function countRows(database: TestDatabase, table: 'RoomUpdate' | 'RoomSnapshot', roomId: string): Promise<number> {
  return withDb(database, (db) => (table === 'RoomUpdate' ? db.roomUpdate.count({ where: { roomId } }) : db.roomSnapshot.count({ where: { roomId } })))
}

/** Bytes a room takes in the database: its snapshot and its log rows. */
function storedBytes(database: TestDatabase, roomId: string): Promise<{ snapshot: number; log: number; collected: boolean | null }> {
  return withDb(database, async (db) => {
    const snapshot = await db.roomSnapshot.findUnique({ where: { roomId } })
    const log = await db.roomUpdate.findMany({ where: { roomId }, select: { data: true } })
    return { snapshot: snapshot?.data.byteLength ?? 0, log: log.reduce((sum, row) => sum + row.data.byteLength, 0), collected: snapshot?.collected ?? null }
  })
}

/** The updates of one shape moved `moves` times, as a client's edits (one update per move). */
function movesOfOneShape(moves: number, id = 'shape:dragged'): { updates: Uint8Array[]; doc: Y.Doc } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < moves; i++) records(doc).set(id, shape(id, { x: i }))
  return { updates, doc }
}


const records = (doc: Y.Doc) => boardRecords(doc)

/** The update of an empty document: a well-formed edit that changes nothing. */

describe('persistence', () => {
  it('batches a storm of updates into a few appends and acknowledges them with saved frames', async () => {
    const database = await useTempDatabase()
    const db = await createDatabase(database.url)
    const prismaStore = new PrismaRoomStore(db, providerOf(database.url))
    const appends: number[] = []
    const countingStore: SyncStorage = {
      ...versionMethodsOf(prismaStore),
      load: (id) => prismaStore.load(id),
      ...boardMethodsOf(prismaStore),
      append: (id, updates) => {
        appends.push(updates.length)
        return prismaStore.append(id, updates)
      },
      compact: (id) => prismaStore.compact(id),
      ping: () => prismaStore.ping(),
      close: () => prismaStore.close(),
    }
    const server = await startTestServer({ config: { persistIntervalMs: 100 }, store: countingStore, database })
    const writer = server.connect('storm', { sub: 'writer' })
    const reader = server.connect('storm', { sub: 'reader' })
    await waitUntil(() => writer.provider.synced && reader.provider.synced, 'synced')
    for (let i = 0; i < 300; i++) records(writer.doc).set(`shape:${i}`, shape(`shape:${i}`, { i }))
    await waitUntil(() => writer.controls.some((m) => m.type === 'saved'), 'saved frame for the writer')
    // The provider sent its step 2 and 300 updates: the last saved frame covers all 301.
    await waitUntil(() => writer.controls.some((m) => m.type === 'saved' && m.through === 301), 'saved through every update')
    expect(writer.savedStates.at(-1)).toBe(true)
    await waitUntil(async () => records(await storedDoc(database.url, 'storm')).size === 300, 'all 300 stored')
    // Each update is stored as it was received (one row each), a persist interval's worth per append.
    expect(appends.length).toBeLessThan(10)
    expect(appends.reduce((sum, n) => sum + n, 0)).toBe(300)
    expect(await countRows(database, 'RoomUpdate', 'storm')).toBe(300)
    await db.$disconnect()
    // The reader made no edit: only its empty step 2 was acknowledged (at once, nothing to store).
    expect(reader.controls.filter((m) => m.type === 'saved').map((m) => (m.type === 'saved' ? m.through : -1))).toEqual([1])
  })

  it('writes the appends of many rooms made in one turn as one statement; a bad row holds back no other room', async () => {
    const database = await useTempDatabase()
    await withDb(database, async (db) => {
      const store = new PrismaRoomStore(db, providerOf(database.url))
      let statements = 0
      const adapter = await driverAdapterOf(db)
      const execute = adapter.executeRaw.bind(adapter)
      adapter.executeRaw = (query) => {
        statements++
        return execute(query)
      }
      const rooms = Array.from({ length: 20 }, (_, i) => `group-${i}`)
      for (const room of rooms) await store.load(room)
      statements = 0
      const updateFor = (room: string) => {
        const doc = new Y.Doc()
        records(doc).set(`shape:${room}`, shape(`shape:${room}`, { room }))
        return Y.encodeStateAsUpdate(doc)
      }

      await Promise.all(rooms.map((room) => store.append(room, [updateFor(room), updateFor(`${room}-second`)])))
      expect(statements).toBe(1)
      for (const room of rooms) expect(records(await storedDoc(database.url, room)).has(`shape:${room}-second`)).toBe(true)
      expect(await countRows(database, 'RoomUpdate', 'group-3')).toBe(2)

      // A room whose row is gone (foreign key) fails alone; the rooms queued with it are stored.
      const outcomes = await Promise.allSettled(['group-0', 'no-such-room', 'group-1'].map((room) => store.append(room, [updateFor(`${room}-again`)])))
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(records(await storedDoc(database.url, 'group-1')).has('shape:group-1-again')).toBe(true)
      expect(await countRows(database, 'RoomUpdate', 'no-such-room')).toBe(0)
    })
  })

  it('compacts the log into a snapshot and still loads the same document', async () => {
    const database = await useTempDatabase()
    const server = await startTestServer({ config: { persistIntervalMs: 5, compactAfterUpdates: 3 }, database })
    const writer = server.connect('compact')
    await waitUntil(() => writer.provider.synced, 'synced')
    for (let i = 0; i < 12; i++) {
      const saves = savedThrough(writer)
      records(writer.doc).set(`shape:${i}`, shape(`shape:${i}`, { i }))
      if (i % 2 === 0) records(writer.doc).delete(`shape:${i - 2}`)
      await waitUntil(() => savedThrough(writer) > saves, `batch ${i} saved`)
    }
    await waitUntil(async () => (await countRows(database, 'RoomSnapshot', 'compact')) === 1, 'snapshot written')
    expect(await countRows(database, 'RoomUpdate', 'compact')).toBeLessThanOrEqual(3)
    const stored = await storedDoc(database.url, 'compact')
    expect(records(stored).toJSON()).toEqual(records(writer.doc).toJSON())
    writer.destroy()
    await waitUntil(() => server.server.rooms.size === 0, 'room evicted')
    const reader = server.connect('compact', { sub: 'reader' })
    await waitUntil(() => reader.provider.synced, 'reader synced')
    expect(records(reader.doc).toJSON()).toEqual(records(stored).toJSON())
  })

  it('loads a room once for concurrent first joins and evicts it after the last leaves, flushed', async () => {
    const database = await useTempDatabase()
    const db = await createDatabase(database.url)
    const prismaStore = new PrismaRoomStore(db, providerOf(database.url))
    let loads = 0
    const countingStore: SyncStorage = {
      ...versionMethodsOf(prismaStore),
      load: (id) => {
        loads++
        return prismaStore.load(id)
      },
      ...boardMethodsOf(prismaStore),
      append: (id, updates) => prismaStore.append(id, updates),
      compact: (id) => prismaStore.compact(id),
      ping: () => prismaStore.ping(),
      close: () => prismaStore.close(),
    }
    const server = await startTestServer({ config: { persistIntervalMs: 10_000 }, store: countingStore, database })
    const group = Array.from({ length: 8 }, (_, i) => server.connect('evict', { sub: `u${i}` }))
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    expect(server.server.rooms.size).toBe(1)
    expect(loads).toBe(1)
    records(group[0].doc).set('shape:last', shape('shape:last', { x: 1 }))
    await waitUntil(() => group.every((c) => records(c.doc).has('shape:last')), 'relayed')
    for (const client of group) client.destroy()
    // The persist interval is long: eviction itself must flush the pending write.
    await waitUntil(() => server.server.rooms.size === 0, 'room evicted')
    expect(records(await storedDoc(database.url, 'evict')).has('shape:last')).toBe(true)
    await db.$disconnect()
  })

  it('closes clients with 1011 when a room fails to load, and writes nothing over it', async () => {
    const database = await useTempDatabase()
    const server = await startTestServer({ database })
    await withDb(database, async (db) => {
      await db.room.create({ data: { id: 'broken', editId: 'broken', viewId: 'view-broken' } })
      await db.roomUpdate.create({ data: { roomId: 'broken', data: new Uint8Array([9, 9, 9, 9]) } })
    })
    const client = server.raw('broken')
    await client.opened
    client.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('broken') }))
    client.ws.send(encodeSyncUpdate(EMPTY_UPDATE))
    expect(await client.closed).toEqual({ code: 1011, reason: 'room unavailable' })
    expect(server.server.rooms.get('broken')).toBeUndefined()
    const metrics = await scrapeMetrics(server)
    expect(metrics).toMatch(/sync_room_load_failures_total 1\n/)
    expect(await countRows(database, 'RoomUpdate', 'broken')).toBe(1)
    expect(await countRows(database, 'RoomSnapshot', 'broken')).toBe(0)
  })

  it('retries a failing write with back-off, keeps the room working, reports it in health and metrics', async () => {
    const database = await useTempDatabase()
    const server = await startTestServer({ config: { persistIntervalMs: 20 }, database })
    const a = server.connect('outage', { sub: 'a' })
    const b = server.connect('outage', { sub: 'b' })
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    await withDb(database, (db) => db.$executeRawUnsafe('ALTER TABLE "RoomUpdate" RENAME TO "RoomUpdate_offline"'))
    records(a.doc).set('shape:during-outage', shape('shape:during-outage', { x: 1 }))
    await waitUntil(() => records(b.doc).has('shape:during-outage'), 'edits still relayed during the outage')
    const health = `http://127.0.0.1:${server.port}/healthz`
    await waitUntil(async () => (await fetch(health)).status === 503, 'healthz reports 503')
    const metrics = await scrapeMetrics(server)
    expect(metrics).toMatch(/sync_persist_failures_total [1-9]/)
    await withDb(database, (db) => db.$executeRawUnsafe('ALTER TABLE "RoomUpdate_offline" RENAME TO "RoomUpdate"'))
    await waitUntil(async () => records(await storedDoc(database.url, 'outage')).has('shape:during-outage'), 'stored after recovery', 20_000)
    await waitUntil(async () => (await fetch(health)).status === 200, 'healthz back to 200')
  })

  it('returns memory to its baseline after thousands of connect/auth/disconnect cycles', async () => {
    const database = await useTempDatabase()
    const server = await startTestServer({ database })
    const cycle = async (i: number) => {
      const client = await authedRawClient(server.url, `cycle-${i % 50}`, await tokenFor(`cycle-${i % 50}`, { sub: `u${i}` }))
      client.ws.send(encodeAwarenessFrame(writeAwarenessEntries([])))
      client.ws.close()
      await client.closed
    }
    const gc = (globalThis as { gc?: () => void }).gc
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function')
    for (let i = 0; i < 200; i++) await cycle(i)
    await waitUntil(() => server.server.rooms.size === 0 && server.server.connections.size === 0, 'all released')
    gc!()
    const baseline = process.memoryUsage().heapUsed
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 200 }, (_, i) => cycle(round * 200 + i)))
    await waitUntil(() => server.server.rooms.size === 0 && server.server.connections.size === 0, 'all released again')
    gc!()
    const growth = process.memoryUsage().heapUsed - baseline
    expect(growth).toBeLessThan(8 * 1024 * 1024)
  }, 120_000)
})

describe('boards that live for months', () => {
  it('moves one shape 20,000 times under a 4 MB limit: nothing refused, stored and first-synced at the size of the board, not of its history', async () => {
    const database = await useTempDatabase()
    const moves = 20_000
    const limits = { maxDocBytes: 4_000_000, persistIntervalMs: 20 }
    let server = await startTestServer({ config: limits, database })
    const writer = server.connect('workshop', { sub: 'writer' })
    const closes: number[] = []
    writer.provider.on('connection-close', (event) => event && closes.push(event.code))
    await waitUntil(() => writer.provider.synced, 'synced')
    let sent = 0
    writer.doc.on('update', (update: Uint8Array) => (sent += update.byteLength))
    const frames = savedThrough(writer)
    const padding = 'p'.repeat(150)
    for (let i = 0; i < moves; i++) records(writer.doc).set('shape:dragged', shape('shape:dragged', { x: i, padding }))
    await waitUntil(() => savedThrough(writer) >= frames + moves, 'every move saved', 120_000)
    expect(closes).toEqual([])
    expect(sent).toBeGreaterThan(8_000_000)
    const live = Y.encodeStateAsUpdate(writer.doc).byteLength
    writer.destroy()
    await waitUntil(() => server.server.rooms.size === 0, 'room evicted', 20_000)
    const stored = await storedBytes(database, 'workshop')
    expect(stored.collected).toBe(true)
    expect(stored.snapshot + stored.log).toBeLessThan(2 * live + 1024)

    await server.stop()
    server = await startTestServer({ config: limits, database })
    const cold = await firstSync(server.url, 'workshop')
    expect(cold.bytes).toBeLessThan(2 * live + 1024)
    expect(records(cold.doc).get('shape:dragged')?.meta.x).toBe(moves - 1)
    console.warn(`20,000 moves: ${sent} bytes of updates; live state ${live} B; stored ${stored.snapshot} B snapshot + ${stored.log} B log; cold first sync ${cold.bytes} B in ${cold.ms.toFixed(1)} ms`)
  }, 180_000)

  it('rewrites a snapshot stored the old way (merged, not collected) when it loads it, with the same records', async () => {
    const database = await useTempDatabase()
    const { updates, doc } = movesOfOneShape(1_000)
    const other = new Y.Doc()
    records(other).set('shape:other', shape('shape:other', { kept: true }))
    updates.push(Y.encodeStateAsUpdate(other))
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    const merged = Y.mergeUpdates(updates)
    await withDb(database, async (db) => {
      await db.room.create({ data: { id: 'legacy', editId: 'legacy', viewId: 'view-legacy' } })
      await db.roomSnapshot.create({ data: { roomId: 'legacy', data: new Uint8Array(merged), lastUpdateId: 0 } })
    })
    expect((await storedBytes(database, 'legacy')).collected).toBe(false)
    const server = await startTestServer({ database })
    const cold = await firstSync(server.url, 'legacy')
    expect(records(cold.doc).toJSON()).toEqual(records(doc).toJSON())
    expect(cold.bytes).toBeLessThan(merged.byteLength / 20)
    await waitUntil(async () => (await storedBytes(database, 'legacy')).collected === true, 'snapshot rewritten')
    const stored = await storedBytes(database, 'legacy')
    expect(stored.snapshot).toBeLessThan(merged.byteLength / 20)
    expect(records(await storedDoc(database.url, 'legacy')).toJSON()).toEqual(records(doc).toJSON())
  })

  it('a compaction racing with appends loses nothing: rows written during it stay in the log, rows its live document lacks are folded in', async () => {
    const database = await useTempDatabase()
    await withDb(database, async (db) => {
      const store = new PrismaRoomStore(db, providerOf(database.url))
      await store.load('race')
      const live = new Y.Doc()
      const edit = (i: number) => {
        const before = Y.encodeStateVector(live)
        records(live).set(`shape:${i % 3}`, shape(`shape:${i % 3}`, { i }))
        return Y.encodeStateAsUpdate(live, before)
      }
      for (let i = 0; i < 30; i++) await store.append('race', [edit(i)])
      // A row stored by another instance that this live document has not received.
      const elsewhere = new Y.Doc()
      records(elsewhere).set('shape:elsewhere', shape('shape:elsewhere', { from: 'another instance' }))
      await store.append('race', [Y.encodeStateAsUpdate(elsewhere)])

      let duringCompaction: Promise<void> | null = null
      let lateEdit: Uint8Array | null = null
      await store.compact('race', {
        live: () => {
          const state = Y.encodeStateAsUpdate(live)
          // Edited and appended after the live state was encoded, while the compaction is under way.
          lateEdit = edit(30)
          duringCompaction = store.append('race', [lateEdit])
          return { doc: live, state }
        },
      })
      await duringCompaction
      expect(lateEdit).not.toBeNull()
      const stored = await storedDoc(database.url, 'race')
      expect(records(stored).toJSON()).toEqual({ ...records(live).toJSON(), 'shape:elsewhere': records(elsewhere).get('shape:elsewhere') })
      expect(await countRows(database, 'RoomUpdate', 'race')).toBe(1)
      const { snapshot, collected } = await storedBytes(database, 'race')
      expect(collected).toBe(true)
      // Collected: three shapes and one foreign one, not thirty overwritten values.
      expect(snapshot).toBeLessThan(5 * Y.encodeStateAsUpdate(elsewhere).byteLength)
    })
  })
})

describe('the Prisma store under concurrency', () => {
  it("a room loaded while another room's compaction fails keeps its row (on SQLite every query shares one connection)", async () => {
    const database = await useTempDatabase()
    await withDb(database, async (db) => {
      const store = new PrismaRoomStore(db, providerOf(database.url))
      await store.load('busy')
      const { updates } = movesOfOneShape(3)
      await store.append('busy', updates)
      // The load lands at a different step of the compaction each time (after 0, 3, 6, … microtasks).
      for (let attempt = 0; attempt < 30; attempt++) {
        const room = `newcomer-${attempt}`
        const failing = store.compact('busy', {
          live: () => {
            throw new Error('compaction fails')
          },
        })
        const loaded = (async () => {
          for (let i = 0; i < attempt * 3; i++) await Promise.resolve()
          return store.load(room)
        })()
        await expect(failing).rejects.toThrow('compaction fails')
        await loaded
        await store.append(room, updates)
        expect(await countRows(database, 'RoomUpdate', room)).toBe(3)
      }
      expect(await countRows(database, 'RoomUpdate', 'busy')).toBe(3)
    })
  })
})

describe('durability across restarts (real server process)', () => {
  it('a graceful stop (SIGTERM) closes sockets with 1001, flushes every room and exits 0', async () => {
    const database = await useTempDatabase()
    const proc = await startTestProcess(database, { PERSIST_INTERVAL_MS: '60000' })
    const a = proc.connect('graceful', { sub: 'a' })
    const b = proc.connect('graceful', { sub: 'b' })
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    for (let i = 0; i < 50; i++) records(i % 2 ? a.doc : b.doc).set(`shape:${i}`, shape(`shape:${i}`, { i }))
    await waitUntil(() => records(a.doc).size === 50 && records(b.doc).size === 50, 'relayed')
    const closeCodes: number[] = []
    a.provider.on('connection-close', (event) => event && closeCodes.push(event.code))
    a.provider.shouldConnect = false
    b.provider.shouldConnect = false
    const stoppedAt = Date.now()
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(Date.now() - stoppedAt).toBeLessThan(5_000)
    expect(closeCodes).toContain(1001)
    const restarted = await startTestProcess(database)
    const fresh = restarted.connect('graceful', { sub: 'fresh' })
    await waitUntil(() => fresh.provider.synced, 'fresh client synced')
    expect(records(fresh.doc).toJSON()).toEqual(records(a.doc).toJSON())
  })

  it('after SIGKILL at most the last persist window is missing, and reconnecting clients restore it', async () => {
    const database = await useTempDatabase()
    const port = String(await freePort())
    const proc = await startTestProcess(database, { SYNC_PORT: port, PERSIST_INTERVAL_MS: '300' })
    const group = Array.from({ length: 4 }, (_, i) => proc.connect('crash', { sub: `u${i}` }))
    await waitUntil(() => group.every((c) => c.provider.synced), 'synced')
    records(group[0].doc).set('shape:early', shape('shape:early', { saved: true }))
    // Frame 1 was the provider's step 2; frame 2 the early edit.
    await waitUntil(() => group[0].controls.some((m) => m.type === 'saved' && m.through >= 2), 'early edit saved')
    // The last window: edited and relayed, but killed before the next persist.
    group.forEach((client, i) => records(client.doc).set(`shape:late-${i}`, shape(`shape:late-${i}`, { i })))
    await waitUntil(() => group.every((c) => records(c.doc).size === 5), 'late edits relayed')
    proc.child.kill('SIGKILL')
    await proc.exited
    const afterCrash = records(await storedDoc(database.url, 'crash'))
    expect(afterCrash.has('shape:early')).toBe(true)
    const missing = group.map((_, i) => `shape:late-${i}`).filter((key) => !afterCrash.has(key))
    expect(missing.length).toBeGreaterThan(0)

    await startTestProcess(database, { SYNC_PORT: port, PERSIST_INTERVAL_MS: '300' })
    await waitUntil(() => group.every((c) => c.provider.synced && c.provider.wsconnected), 'clients reconnected', 15_000)
    await waitUntil(async () => records(await storedDoc(database.url, 'crash')).size === 5, 'database holds every edit', 15_000)
    expect(records(await storedDoc(database.url, 'crash')).toJSON()).toEqual(records(group[0].doc).toJSON())
  })

  it('refuses to start with a bad variable, naming it', async () => {
    const database = await useTempDatabase()
    await expect(startTestProcess(database, { SYNC_PORT: 'not-a-port' })).rejects.toThrow(/SYNC_PORT/)
    await expect(startTestProcess(database, { AUTH_SECRET: '' })).rejects.toThrow(/AUTH_SECRET/)
  })
})
