/**
 * The RoomStore contract: what the room logic (server/room/room.ts) relies on from any store, as one
 * numbered suite that every implementation runs (roomStore.contract.test.ts), in the manner of
 * tldraw sync-core's storage tests. A store that passes it can stand in for any other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { SerializedSchemaVersions } from '../../lib/protocol.ts'
import { DEFAULT_ROOM_NAME, type SyncStorage } from './roomStore.ts'
import { boardRecords, shape } from '../testing/support.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'
import { isValidVersionId } from '../../lib/versions.ts'
import { recordsOfState } from '../../lib/db/versions.ts'

/** A store under test, with the ways into its storage that only the app or earlier versions have. */
export interface RoomStoreFixture {
  store: SyncStorage
  /** Creates a board as the app does (app/_server/boards.ts): the room and its view id. */
  createRoom(roomId: string, viewId: string): Promise<void>
  /** The view id stored for a room, or null when the room does not exist. */
  viewIdOf(roomId: string): Promise<string | null>
  /** Changes a room's row as the app does: a link reset, the trash and back. */
  updateRoom(roomId: string, change: { editId?: string; viewId?: string; trashedAt?: Date | null }): Promise<void>
  /** The name stored on a room's row. */
  nameOf(roomId: string): Promise<string | null>
  /** How many rows of the room's log, snapshot, versions and editors the storage holds. */
  rowsOf(roomId: string): Promise<number>
  /** Creates a room as versions before collection left it: a merged snapshot, not collected, covering no log row. */
  createLegacyRoom(roomId: string, snapshot: Uint8Array, schema: SerializedSchemaVersions | null): Promise<void>
  /** Another store on the same storage (another instance, or the next start); the fixture closes it. */
  openAnother(): Promise<SyncStorage>
  /** Closes what the fixture opened and removes its storage. */
  dispose(): Promise<void>
}

/** A schema newer than the server's, as a later version would store it. */
const NEWER_SCHEMA: SerializedSchemaVersions = { schemaVersion: SERVER_SCHEMA.schemaVersion + 1, sequences: { 'com.tldraw.future': 3 } }

/** The bytes of each update, as hex: comparable whatever array type a store returns. */
const hex = (updates: Uint8Array[]) => updates.map((update) => Buffer.from(update).toString('hex'))

/** The board records of the document that a load's updates make up. */
function recordsOf(updates: Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  const records = boardRecords(doc).toJSON()
  doc.destroy()
  return records
}

/** A client's document whose edits are returned as separate updates, one per edit. */
function editor() {
  const doc = new Y.Doc()
  return {
    doc,
    /** Sets `shape:<key>` (a new shape, or a move of an existing one) and returns that edit's update. */
    edit(key: string, meta: Record<string, string | number> = {}): Uint8Array {
      const before = Y.encodeStateVector(doc)
      boardRecords(doc).set(`shape:${key}`, shape(`shape:${key}`, meta))
      return Y.encodeStateAsUpdate(doc, before)
    },
    records: () => boardRecords(doc).toJSON(),
  }
}

/** The board records of a version's state, by id. */
function recordsById(state: Uint8Array): Record<string, unknown> {
  return Object.fromEntries(recordsOfState(state).map((record) => [(record as { id: string }).id, record]))
}

const DAY_MS = 86_400_000

/** Runs the RoomStore contract against the stores `makeFixture` makes (a fresh one per test). */
export function describeRoomStoreContract(name: string, makeFixture: () => Promise<RoomStoreFixture>): void {
  describe(`RoomStore contract: ${name}`, () => {
    let fixture: RoomStoreFixture
    let store: SyncStorage

    beforeEach(async () => {
      fixture = await makeFixture()
      store = fixture.store
    })

    afterEach(() => fixture.dispose())

    it('1. a new room loads empty, with no schema, and counts as collected', async () => {
      expect(await store.load('fresh')).toEqual({ updates: [], logLength: 0, schema: null, collected: true })
      expect(await store.load('fresh')).toEqual({ updates: [], logLength: 0, schema: null, collected: true })
    })

    it('2. appends load back in order, byte for byte; an empty append stores nothing', async () => {
      await store.load('ordered')
      const client = editor()
      const first = [client.edit('a', { x: 1 }), client.edit('b')]
      const second = [client.edit('a', { x: 2 })]
      const third = [client.edit('c'), client.edit('a', { x: 3 }), client.edit('b', { gone: 1 })]
      for (const batch of [first, second, [], third]) await store.append('ordered', batch)
      const stored = await store.load('ordered')
      expect(hex(stored.updates)).toEqual(hex([...first, ...second, ...third]))
      expect(recordsOf(stored.updates)).toEqual(client.records())
    })

    it('3. rooms are separate: interleaved appends of several rooms each load back their own, in order', async () => {
      const rooms = ['north', 'south', 'east']
      const clients = new Map(rooms.map((room) => [room, editor()]))
      const appended = new Map<string, Uint8Array[]>(rooms.map((room) => [room, []]))
      for (const room of rooms) await store.load(room)
      for (let i = 0; i < 4; i++) {
        for (const room of rooms) {
          const update = clients.get(room)!.edit(`${room}-${i % 2}`, { i })
          appended.get(room)!.push(update)
          await store.append(room, [update])
        }
      }
      for (const room of rooms) {
        const stored = await store.load(room)
        expect(hex(stored.updates)).toEqual(hex(appended.get(room)!))
        expect(recordsOf(stored.updates)).toEqual(clients.get(room)!.records())
      }
    })

    it('4. appends of many rooms made in one turn all resolve and load back in order, two of one room in call order', async () => {
      const rooms = Array.from({ length: 40 }, (_, i) => `busy-${i}`)
      for (const room of rooms) await store.load(room)
      const clients = rooms.map(() => editor())
      const batches = clients.map((client, i) => [client.edit(`first-${i}`), client.edit(`second-${i}`)])
      const again = clients[7].edit('again')
      // No await between the calls: a store that batches gets them all in one go.
      await Promise.all([...rooms.map((room, i) => store.append(room, batches[i])), store.append(rooms[7], [again])])
      for (const [i, room] of rooms.entries()) {
        const stored = await store.load(room)
        expect(hex(stored.updates)).toEqual(hex(i === 7 ? [...batches[i], again] : batches[i]))
        expect(stored.logLength).toBe(i === 7 ? 3 : 2)
      }
    })

    it('5. an append to a room that was never created is refused alone: appends made with it in the same turn are stored', async () => {
      await store.load('known-1')
      await store.load('known-2')
      const client = editor()
      const [one, stray, two] = [client.edit('one'), client.edit('stray'), client.edit('two')]
      const outcomes = await Promise.allSettled([store.append('known-1', [one]), store.append('never-created', [stray]), store.append('known-2', [two])])
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(hex((await store.load('known-1')).updates)).toEqual(hex([one]))
      expect(hex((await store.load('known-2')).updates)).toEqual(hex([two]))
      expect(await store.load('never-created')).toEqual({ updates: [], logLength: 0, schema: null, collected: true })
    })

    it('6. a compaction folds the log into one collected snapshot of the same document, without the overwritten values', async () => {
      await store.load('folded')
      const client = editor()
      const updates: Uint8Array[] = []
      for (let i = 0; i < 200; i++) updates.push(client.edit(`moved-${i % 2}`, { x: i }))
      updates.push(client.edit('kept'))
      for (let i = 0; i < updates.length; i += 20) await store.append('folded', updates.slice(i, i + 20))
      await store.compact('folded')
      const stored = await store.load('folded')
      expect(stored).toMatchObject({ logLength: 0, collected: true, schema: SERVER_SCHEMA })
      expect(stored.updates).toHaveLength(1)
      expect(recordsOf(stored.updates)).toEqual(client.records())
      const logBytes = updates.reduce((sum, update) => sum + update.byteLength, 0)
      expect(stored.updates[0].byteLength).toBeLessThan(logBytes / 20)
    })

    it('7. a compaction with no log is a no-op, without or with a collected snapshot, even with `rewrite`', async () => {
      let liveCalls = 0
      const live = () => {
        liveCalls++
        return { doc: new Y.Doc(), state: Y.encodeStateAsUpdate(new Y.Doc()) }
      }
      await store.load('empty')
      await store.compact('empty', { live })
      await store.compact('empty', { live, rewrite: true })
      expect(await store.load('empty')).toEqual({ updates: [], logLength: 0, schema: null, collected: true })

      await store.load('settled')
      const client = editor()
      await store.append('settled', [client.edit('a'), client.edit('a', { x: 1 })])
      await store.compact('settled')
      const compacted = await store.load('settled')
      await store.compact('settled', { live })
      expect(await store.load('settled')).toEqual(compacted)
      expect(liveCalls).toBe(0)
    })

    it('8. `rewrite` collects a legacy (not collected) snapshot with an empty log; without `rewrite` it stays as it is', async () => {
      const client = editor()
      const history: Uint8Array[] = []
      for (let i = 0; i < 300; i++) history.push(client.edit('dragged', { x: i }))
      history.push(client.edit('other'))
      const merged = Y.mergeUpdates(history)
      await fixture.createLegacyRoom('legacy', merged, null)
      const legacy = await store.load('legacy')
      expect(legacy).toMatchObject({ logLength: 0, collected: false, schema: null })
      expect(hex(legacy.updates)).toEqual(hex([merged]))

      await store.compact('legacy')
      expect(await store.load('legacy')).toEqual(legacy)

      await store.compact('legacy', { rewrite: true })
      const rewritten = await store.load('legacy')
      expect(rewritten).toMatchObject({ logLength: 0, collected: true, schema: SERVER_SCHEMA })
      expect(rewritten.updates).toHaveLength(1)
      expect(rewritten.updates[0].byteLength).toBeLessThan(merged.byteLength / 20)
      expect(recordsOf(rewritten.updates)).toEqual(client.records())
    })

    it('9. a compaction folds a legacy snapshot and the log after it into a collected snapshot', async () => {
      const client = editor()
      const history: Uint8Array[] = []
      for (let i = 0; i < 50; i++) history.push(client.edit('dragged', { x: i }))
      await fixture.createLegacyRoom('legacy-with-log', Y.mergeUpdates(history), null)
      const after = [client.edit('dragged', { x: 'last' }), client.edit('new')]
      await store.append('legacy-with-log', after)
      expect(await store.load('legacy-with-log')).toMatchObject({ logLength: 2, collected: false })
      await store.compact('legacy-with-log')
      const stored = await store.load('legacy-with-log')
      expect(stored).toMatchObject({ logLength: 0, collected: true })
      expect(stored.updates).toHaveLength(1)
      expect(recordsOf(stored.updates)).toEqual(client.records())
    })

    it('10. a `live` document that holds every stored row is stored as is: its state, byte for byte, read once', async () => {
      await store.load('single-instance')
      const client = editor()
      await store.append('single-instance', [client.edit('a'), client.edit('b')])
      // An edit the live document has and the log does not yet (the next batch): the state keeps it.
      client.edit('pending')
      const state = Y.encodeStateAsUpdate(client.doc)
      let liveCalls = 0
      await store.compact('single-instance', {
        live: () => {
          liveCalls++
          return { doc: client.doc, state }
        },
      })
      expect(liveCalls).toBe(1)
      const stored = await store.load('single-instance')
      expect(hex(stored.updates)).toEqual(hex([state]))
      expect(stored).toMatchObject({ logLength: 0, collected: true, schema: SERVER_SCHEMA })
    })

    it('11. rows the `live` document lacks (stored by another instance) are folded in with it', async () => {
      await store.load('scaled-out')
      const here = editor()
      const elsewhere = editor()
      await store.append('scaled-out', [here.edit('here'), elsewhere.edit('elsewhere'), here.edit('here', { x: 2 })])
      await store.compact('scaled-out', { live: () => ({ doc: here.doc, state: Y.encodeStateAsUpdate(here.doc) }) })
      const stored = await store.load('scaled-out')
      expect(stored).toMatchObject({ logLength: 0, collected: true })
      expect(stored.updates).toHaveLength(1)
      expect(recordsOf(stored.updates)).toEqual({ ...here.records(), ...elsewhere.records() })
    })

    it('12. an append made while a compaction runs stays in the log and is not lost', async () => {
      await store.load('racing')
      const client = editor()
      for (let i = 0; i < 10; i++) await store.append('racing', [client.edit(`s-${i % 3}`, { i })])
      const late: { update?: Uint8Array; append?: Promise<void> } = {}
      await store.compact('racing', {
        live: () => {
          const state = Y.encodeStateAsUpdate(client.doc)
          // Edited and appended after the live state was encoded, while the compaction is under way.
          late.update = client.edit('late')
          late.append = store.append('racing', [late.update])
          return { doc: client.doc, state }
        },
      })
      await late.append
      expect(late.update).toBeInstanceOf(Uint8Array)
      const stored = await store.load('racing')
      expect(stored).toMatchObject({ logLength: 1, collected: true })
      expect(hex(stored.updates.slice(1))).toEqual(hex([late.update!]))
      expect(recordsOf(stored.updates)).toEqual(client.records())
    })

    it('13. an append and a compaction started in the same turn both complete, and the document has every edit', async () => {
      await store.load('same-turn')
      const client = editor()
      await store.append('same-turn', [client.edit('a'), client.edit('a', { x: 1 })])
      const next = client.edit('b')
      await Promise.all([store.compact('same-turn'), store.append('same-turn', [next]), store.compact('same-turn', { rewrite: true })])
      const stored = await store.load('same-turn')
      expect(stored.collected).toBe(true)
      expect(recordsOf(stored.updates)).toEqual(client.records())
    })

    it('14. a compaction that fails changes nothing: its error comes back, the log and snapshot are as they were, appends go on', async () => {
      await store.load('failing')
      const client = editor()
      await store.append('failing', [client.edit('a'), client.edit('a', { x: 1 })])
      await store.compact('failing')
      await store.append('failing', [client.edit('b')])
      const before = await store.load('failing')
      await expect(
        store.compact('failing', {
          live: () => {
            throw new Error('encoding failed')
          },
        }),
      ).rejects.toThrow('encoding failed')
      expect(await store.load('failing')).toEqual(before)
      await store.append('failing', [client.edit('c')])
      expect(recordsOf((await store.load('failing')).updates)).toEqual(client.records())
    })

    it('15. the schema stored with a snapshot comes back: a later version’s as it was written, the server’s after a compaction', async () => {
      const client = editor()
      await fixture.createLegacyRoom('from-the-future', Y.encodeStateAsUpdate(client.doc), NEWER_SCHEMA)
      expect((await store.load('from-the-future')).schema).toEqual(NEWER_SCHEMA)
      await store.load('current')
      await store.append('current', [client.edit('a')])
      expect((await store.load('current')).schema).toBeNull()
      await store.compact('current')
      expect((await store.load('current')).schema).toEqual(SERVER_SCHEMA)
    })

    it('16. `logLength` counts the log rows after the snapshot, one per appended update', async () => {
      await store.load('counted')
      const client = editor()
      await store.append('counted', [client.edit('a'), client.edit('b')])
      await store.append('counted', [client.edit('c'), client.edit('d'), client.edit('e')])
      expect((await store.load('counted')).logLength).toBe(5)
      await store.compact('counted')
      expect((await store.load('counted')).logLength).toBe(0)
      await store.append('counted', [client.edit('f')])
      const stored = await store.load('counted')
      expect(stored.logLength).toBe(1)
      expect(stored.updates).toHaveLength(2)
    })

    it('17. `resolveLink`: a board opens by its edit id (edit) and its view id (view); a loaded room gets an unguessable view id of its own', async () => {
      await fixture.createRoom('board', 'board-view')
      expect(await store.resolveLink('board', 'edit')).toEqual({ roomId: 'board' })
      expect(await store.resolveLink('board-view', 'view')).toEqual({ roomId: 'board' })
      await store.load('board')
      expect(await fixture.viewIdOf('board')).toBe('board-view')
      expect(await store.resolveLink('board-view', 'view')).toEqual({ roomId: 'board' })
      // A view link is no edit link; a read-only socket on the current edit id is allowed (tools).
      expect(await store.resolveLink('board-view', 'edit')).toEqual({ roomId: 'board-view' })
      expect(await store.resolveLink('board', 'view')).toEqual({ roomId: 'board' })
      // An edit id no row knows names the room itself (loading creates it); an unknown view id opens nothing.
      expect(await store.resolveLink('no-such-room', 'edit')).toEqual({ roomId: 'no-such-room' })
      expect(await store.resolveLink('no-such-view', 'view')).toEqual({ refused: 'link revoked' })

      expect(await fixture.viewIdOf('tool-made')).toBeNull()
      await store.load('tool-made')
      await store.load('tool-made-2')
      const [viewId, otherViewId] = [await fixture.viewIdOf('tool-made'), await fixture.viewIdOf('tool-made-2')]
      expect(viewId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(otherViewId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(viewId).not.toBe(otherViewId)
      expect(await store.resolveLink(viewId!, 'view')).toEqual({ roomId: 'tool-made' })
      expect(await store.resolveLink('tool-made', 'edit')).toEqual({ roomId: 'tool-made' })
      await store.load('tool-made')
      expect(await fixture.viewIdOf('tool-made')).toBe(viewId)
    })

    it('18. stored bytes are the store’s own: changing an appended or a loaded array afterwards changes nothing stored', async () => {
      await store.load('copied')
      const client = editor()
      const update = client.edit('a')
      const original = hex([update])
      await store.append('copied', [update])
      update.fill(0)
      const loaded = await store.load('copied')
      expect(hex(loaded.updates)).toEqual(original)
      loaded.updates[0].fill(0)
      expect(hex((await store.load('copied')).updates)).toEqual(original)
    })

    it('19. ping answers, a warm-up touches no room, and after close another store on the same storage has everything', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
      await store.warmUp?.()
      expect(await fixture.viewIdOf('')).toBeNull()
      await store.load('kept')
      const client = editor()
      const updates = [client.edit('a'), client.edit('b')]
      await store.append('kept', updates)
      await store.close()
      const another = await fixture.openAnother()
      await expect(another.ping()).resolves.toBeUndefined()
      expect(hex((await another.load('kept')).updates)).toEqual(hex(updates))
    })
    it('20. `saveVersion` stores the room’s state as a version (listed, read back whole) and folds the log into the snapshot', async () => {
      await store.load('versioned')
      const client = editor()
      await store.append('versioned', [client.edit('a'), client.edit('b'), client.edit('a', { x: 1 })])
      const version = await store.saveVersion('versioned', { kind: 'named', label: 'first draft', skipIfUnchanged: false })
      expect(version).toMatchObject({ kind: 'named', label: 'first draft', authors: [], shapeCount: 2 })
      expect(isValidVersionId(version!.id)).toBe(true)
      expect(Date.parse(version!.createdAt)).toBeGreaterThan(Date.now() - 60_000)
      expect(await store.listVersions('versioned')).toEqual([version])
      const read = await store.readVersion('versioned', version!.id)
      expect(read!.version).toEqual(version)
      expect(recordsById(read!.state)).toEqual(client.records())
      const stored = await store.load('versioned')
      expect(stored).toMatchObject({ logLength: 0, collected: true })
      expect(recordsOf(stored.updates)).toEqual(client.records())
    })

    it('21. with `skipIfUnchanged` nothing is written while the state is the newest version’s; without it, or after an edit, a version is', async () => {
      await store.load('unchanged')
      const client = editor()
      await store.append('unchanged', [client.edit('a')])
      const first = await store.saveVersion('unchanged', { kind: 'auto', label: null, skipIfUnchanged: true })
      expect(first).not.toBeNull()
      expect(await store.saveVersion('unchanged', { kind: 'auto', label: null, skipIfUnchanged: true })).toBeNull()
      const named = await store.saveVersion('unchanged', { kind: 'named', label: 'same', skipIfUnchanged: false })
      expect(named).toMatchObject({ kind: 'named', label: 'same', shapeCount: 1 })
      await store.append('unchanged', [client.edit('b')])
      const second = await store.saveVersion('unchanged', { kind: 'auto', label: null, skipIfUnchanged: true })
      expect(second).toMatchObject({ kind: 'auto', shapeCount: 2 })
      expect((await store.listVersions('unchanged')).map((version) => version.id).sort()).toEqual([first!.id, named!.id, second!.id].sort())
    })

    it('22. a version made with the `live` document holds the edits not stored yet, as a compaction would', async () => {
      await store.load('live-version')
      const client = editor()
      await store.append('live-version', [client.edit('stored')])
      client.edit('not-yet-stored')
      const version = await store.saveVersion('live-version', {
        kind: 'named',
        label: 'now',
        skipIfUnchanged: false,
        live: () => ({ doc: client.doc, state: Y.encodeStateAsUpdate(client.doc) }),
      })
      expect(version!.shapeCount).toBe(2)
      expect(recordsById((await store.readVersion('live-version', version!.id))!.state)).toEqual(client.records())
    })

    it('23. authors: every recorded editor for the first version, then those who edited after the version before; editors are upserted by id', async () => {
      await store.load('authored')
      const client = editor()
      const t0 = Date.now() - 10_000
      await store.recordEditors('authored', [{ id: 'u-ada', name: 'Ada' }, { id: 'u-bob', name: 'Bob' }, { id: 'u-ada', name: 'Ada' }], new Date(t0))
      await store.append('authored', [client.edit('a')])
      const first = await store.saveVersion('authored', { kind: 'auto', label: null, skipIfUnchanged: true, at: new Date(t0 + 1_000) })
      expect(first!.authors).toEqual([
        { id: 'u-ada', name: 'Ada' },
        { id: 'u-bob', name: 'Bob' },
      ])
      await store.recordEditors('authored', [{ id: 'u-bob', name: 'Bob B.' }], new Date(t0 + 2_000))
      await store.append('authored', [client.edit('b')])
      const second = await store.saveVersion('authored', { kind: 'auto', label: null, skipIfUnchanged: true, at: new Date(t0 + 3_000) })
      expect(second!.authors).toEqual([{ id: 'u-bob', name: 'Bob B.' }])
      await store.append('authored', [client.edit('c')])
      const third = await store.saveVersion('authored', { kind: 'auto', label: null, skipIfUnchanged: true, at: new Date(t0 + 4_000) })
      expect(third!.authors).toEqual([])
    })

    it('24. versions are listed newest first, per room; reading an unknown id, or another room’s version, answers null', async () => {
      const client = editor()
      for (const room of ['mine', 'theirs']) await store.load(room)
      const base = Date.now() - 5 * 60_000
      const made = []
      for (let i = 0; i < 3; i++) {
        await store.append('mine', [client.edit(`shape-${i}`)])
        made.push(await store.saveVersion('mine', { kind: 'auto', label: null, skipIfUnchanged: true, at: new Date(base + i * 60_000) }))
      }
      await store.append('theirs', [editor().edit('theirs')])
      const theirs = await store.saveVersion('theirs', { kind: 'auto', label: null, skipIfUnchanged: true })
      const listed = await store.listVersions('mine')
      expect(listed.map((version) => version.id)).toEqual(made.reverse().map((version) => version!.id))
      expect(listed.map((version) => version.shapeCount)).toEqual([3, 2, 1])
      expect(listed[0].createdAt).toBe(new Date(base + 120_000).toISOString())
      expect(await store.listVersions('nobody')).toEqual([])
      expect(await store.readVersion('mine', 'AAAAAAAAAAAAAAAAAAAAAA')).toBeNull()
      expect(await store.readVersion('mine', theirs!.id)).toBeNull()
    })

    it('25. thinning keeps every version within retention, then the newest of each UTC day and every named version', async () => {
      await store.load('thinned')
      const client = editor()
      const now = new Date('2026-12-01T12:00:00.000Z')
      const save = async (at: string, kind: 'auto' | 'named' | 'before-restore' = 'auto') => {
        await store.append('thinned', [client.edit(`at-${at}`)])
        return (await store.saveVersion('thinned', { kind, label: kind === 'named' ? at : null, skipIfUnchanged: false, at: new Date(at) }))!.id
      }
      const ids = {
        oldDayFirst: await save('2026-10-01T08:00:00.000Z'),
        oldDayNamed: await save('2026-10-01T09:00:00.000Z', 'named'),
        oldDayRestore: await save('2026-10-01T10:00:00.000Z', 'before-restore'),
        oldDayLast: await save('2026-10-01T23:59:00.000Z'),
        nextDayOnly: await save('2026-10-02T00:01:00.000Z'),
        recentFirst: await save('2026-11-25T08:00:00.000Z'),
        recentSecond: await save('2026-11-25T09:00:00.000Z'),
      }
      expect(await store.thinVersions('thinned', now, 30)).toBe(2)
      const kept = (await store.listVersions('thinned')).map((version) => version.id)
      expect(kept).toEqual([ids.recentSecond, ids.recentFirst, ids.nextDayOnly, ids.oldDayLast, ids.oldDayNamed])
      expect(await store.thinVersions('thinned', now, 30)).toBe(0)
      // A day later the two recent versions are still within 30 days; after 31 more days, one per day is left.
      expect(await store.thinVersions('thinned', new Date(now.getTime() + DAY_MS), 30)).toBe(0)
      expect(await store.thinVersions('thinned', new Date(now.getTime() + 31 * DAY_MS), 30)).toBe(1)
      expect((await store.listVersions('thinned')).map((version) => version.id)).toEqual([ids.recentSecond, ids.nextDayOnly, ids.oldDayLast, ids.oldDayNamed])
    })

    it('26. versions outlive the store: another store on the same storage lists and reads them', async () => {
      await store.load('durable-versions')
      const client = editor()
      await store.append('durable-versions', [client.edit('a')])
      await store.recordEditors('durable-versions', [{ id: 'u-1', name: 'One' }], new Date(Date.now() - 1_000))
      const version = await store.saveVersion('durable-versions', { kind: 'named', label: 'kept', skipIfUnchanged: false })
      await store.close()
      const another = await fixture.openAnother()
      expect(await another.listVersions('durable-versions')).toEqual([version])
      expect(recordsById((await another.readVersion('durable-versions', version!.id))!.state)).toEqual(client.records())
    })

    it('27. `resolveLink`: a reset edit or view link is refused as revoked, the new ones open the room; a trashed board refuses every link as deleted', async () => {
      await fixture.createRoom('reset', 'reset-view')
      await fixture.updateRoom('reset', { editId: 'reset-edit-2' })
      expect(await store.resolveLink('reset', 'edit')).toEqual({ refused: 'link revoked' })
      expect(await store.resolveLink('reset', 'view')).toEqual({ refused: 'link revoked' })
      expect(await store.resolveLink('reset-edit-2', 'edit')).toEqual({ roomId: 'reset' })
      expect(await store.resolveLink('reset-view', 'view')).toEqual({ roomId: 'reset' })
      // The room's load keeps the links the app set.
      await store.load('reset')
      expect(await store.resolveLink('reset-edit-2', 'edit')).toEqual({ roomId: 'reset' })
      await fixture.updateRoom('reset', { viewId: 'reset-view-2' })
      expect(await store.resolveLink('reset-view', 'view')).toEqual({ refused: 'link revoked' })
      expect(await store.resolveLink('reset-view-2', 'view')).toEqual({ roomId: 'reset' })

      await fixture.updateRoom('reset', { trashedAt: new Date() })
      for (const [linkId, scope] of [['reset-edit-2', 'edit'], ['reset-view-2', 'view'], ['reset', 'edit']] as const) {
        expect(await store.resolveLink(linkId, scope), `${scope} ${linkId}`).toEqual({ refused: 'board deleted' })
      }
      await fixture.updateRoom('reset', { trashedAt: null })
      expect(await store.resolveLink('reset-edit-2', 'edit')).toEqual({ roomId: 'reset' })
    })

    it('28. `roomExists` and `setRoomName`: a name is stored on the room\'s row; a room without a row gets none', async () => {
      expect(await store.roomExists('named')).toBe(false)
      await store.setRoomName('named', 'Nowhere')
      expect(await store.roomExists('named')).toBe(false)
      await fixture.createRoom('named', 'named-view')
      expect(await store.roomExists('named')).toBe(true)
      expect(await fixture.nameOf('named')).toBe(DEFAULT_ROOM_NAME)
      await store.setRoomName('named', 'Quarterly plan')
      expect(await fixture.nameOf('named')).toBe('Quarterly plan')
      await store.load('named')
      expect(await fixture.nameOf('named')).toBe('Quarterly plan')
    })

    it('29. `purgeTrashedRooms` deletes the rooms trashed before the cutoff, with their log, snapshot, versions and editors; others stay', async () => {
      const client = editor()
      for (const roomId of ['trashed-long-ago', 'trashed-lately', 'kept']) {
        await fixture.createRoom(roomId, `${roomId}-view`)
        await store.append(roomId, [client.edit(roomId)])
        await store.recordEditors(roomId, [{ id: 'u-1', name: 'One' }], new Date())
        await store.saveVersion(roomId, { kind: 'named', label: 'v', skipIfUnchanged: false })
        await store.append(roomId, [client.edit(`${roomId}-2`)])
      }
      const now = Date.now()
      await fixture.updateRoom('trashed-long-ago', { trashedAt: new Date(now - 31 * DAY_MS) })
      await fixture.updateRoom('trashed-lately', { trashedAt: new Date(now - 29 * DAY_MS) })
      expect(await store.purgeTrashedRooms(new Date(now - 30 * DAY_MS))).toBe(1)
      expect(await store.roomExists('trashed-long-ago')).toBe(false)
      expect(await store.listVersions('trashed-long-ago')).toEqual([])
      expect(await fixture.rowsOf('trashed-long-ago')).toBe(0)
      for (const roomId of ['trashed-lately', 'kept']) {
        expect(await store.roomExists(roomId)).toBe(true)
        expect(await store.listVersions(roomId)).toHaveLength(1)
        expect(await fixture.rowsOf(roomId)).toBeGreaterThan(0)
      }
      expect(await store.purgeTrashedRooms(new Date(now - 30 * DAY_MS))).toBe(0)
    })
  })
}
