/**
 * Version history end to end: a real sync server over a temporary database (SQLite, or
 * PostgreSQL with TEST_DATABASE_PROVIDER=postgresql), real provider clients with their own
 * tokens, and the store's versions as the app's API reads them.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { recordsOfState } from '../../lib/db/versions.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import { boardRecords, shape, waitUntil } from '../testing/support.ts'

const provider = process.env.TEST_DATABASE_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite'

/** Short automatic-version periods, so a burst is versioned within a fraction of a second. */
const FAST_VERSIONS = { versionIdleMs: 200, versionEveryMs: 1_000 }

/** The shape ids of a version's state. */
function shapeIdsOf(state: Uint8Array): string[] {
  return recordsOfState(state)
    .filter((record) => (record as { typeName: string }).typeName === 'shape')
    .map((record) => (record as { id: string }).id)
    .sort()
}

/** Two users on one board, synced. */
async function twoEditors(server: StartedTestServer, room: string) {
  const ada = server.connect(room, { sub: 'u-ada', name: 'Ada' })
  const bob = server.connect(room, { sub: 'u-bob', name: 'Bob' })
  await waitUntil(() => ada.provider.synced && bob.provider.synced, 'both synced')
  return { ada, bob }
}

describe(`version history (${provider})`, () => {
  it('a burst of edits by two users becomes one automatic version with both as authors; with no change since, no second one', async () => {
    const server = await startTestServer({ config: FAST_VERSIONS })
    const { ada, bob } = await twoEditors(server, 'burst')
    for (let i = 0; i < 5; i++) boardRecords(ada.doc).set(`shape:ada-${i}`, shape(`shape:ada-${i}`))
    await waitUntil(() => boardRecords(bob.doc).size === 5, "Ada's shapes at Bob's")
    for (let i = 0; i < 3; i++) boardRecords(bob.doc).set(`shape:bob-${i}`, shape(`shape:bob-${i}`))
    boardRecords(bob.doc).delete('shape:ada-0')
    await waitUntil(async () => (await server.store.listVersions('burst')).length > 0, 'an automatic version')
    const [version] = await server.store.listVersions('burst')
    expect(version).toMatchObject({ kind: 'auto', label: null, shapeCount: 7 })
    expect(version.authors).toEqual([
      { id: 'u-ada', name: 'Ada' },
      { id: 'u-bob', name: 'Bob' },
    ])
    const read = await server.store.readVersion('burst', version.id)
    expect(shapeIdsOf(read!.state)).toEqual(Array.from(boardRecords(ada.doc).keys()).sort())

    // Two versions of another room, each an idle period after its edit, are the sign that time
    // went by: this room, unchanged, has still only one version.
    const other = server.connect('other', { sub: 'u-cy', name: 'Cy' })
    await waitUntil(() => other.provider.synced, 'other synced')
    for (const key of ['shape:other-1', 'shape:other-2']) {
      const before = (await server.store.listVersions('other')).length
      boardRecords(other.doc).set(key, shape(key))
      await waitUntil(async () => (await server.store.listVersions('other')).length > before, "the other room's version")
    }
    const [otherVersion] = await server.store.listVersions('other')
    expect(otherVersion.authors).toEqual([{ id: 'u-cy', name: 'Cy' }])
    expect(Date.parse(otherVersion.createdAt) - Date.parse(version.createdAt)).toBeGreaterThan(2 * FAST_VERSIONS.versionIdleMs)
    expect(await server.store.listVersions('burst')).toEqual([version])

    // The next burst's authors are only those who edited after the first version.
    boardRecords(bob.doc).set('shape:bob-late', shape('shape:bob-late'))
    await waitUntil(async () => (await server.store.listVersions('burst')).length === 2, 'a second version')
    const [second] = await server.store.listVersions('burst')
    expect(second).toMatchObject({ kind: 'auto', shapeCount: 8, authors: [{ id: 'u-bob', name: 'Bob' }] })
  })

  it('evicting a changed room makes one more automatic version; evicting an unchanged one makes none', async () => {
    const server = await startTestServer({ config: { versionIdleMs: 60_000, versionEveryMs: 600_000 } })
    const ada = server.connect('evicted', { sub: 'u-ada', name: 'Ada' })
    await waitUntil(() => ada.provider.synced, 'synced')
    boardRecords(ada.doc).set('shape:kept', shape('shape:kept'))
    await waitUntil(() => server.server.rooms.get('evicted')?.doc.getMap('records').has('shape:kept') === true, 'the edit on the server')
    ada.destroy()
    await waitUntil(() => server.server.rooms.size === 0, 'the room evicted')
    const versions = await server.store.listVersions('evicted')
    expect(versions).toHaveLength(1)
    expect(versions[0]).toMatchObject({ kind: 'auto', shapeCount: 1, authors: [{ id: 'u-ada', name: 'Ada' }] })

    const again = server.connect('evicted', { sub: 'u-ada', name: 'Ada' })
    await waitUntil(() => again.provider.synced && boardRecords(again.doc).has('shape:kept'), 'reloaded')
    again.destroy()
    await waitUntil(() => server.server.rooms.size === 0, 'evicted again')
    expect(await server.store.listVersions('evicted')).toEqual(versions)
  })

  it('a version saved with the live document right after an edit holds it, before the edit is stored', async () => {
    const server = await startTestServer({ config: { persistIntervalMs: 60_000, versionIdleMs: 60_000, versionEveryMs: 600_000 } })
    const ada = server.connect('just-now', { sub: 'u-ada', name: 'Ada' })
    await waitUntil(() => ada.provider.synced, 'synced')
    boardRecords(ada.doc).set('shape:a-moment-ago', shape('shape:a-moment-ago'))
    const room = server.server.rooms.get('just-now')!
    await waitUntil(() => room.doc.getMap('records').has('shape:a-moment-ago'), 'the edit on the server')
    expect(room.hasPendingWrites).toBe(true)
    const version = await server.store.saveVersion('just-now', {
      kind: 'named',
      label: 'now',
      skipIfUnchanged: false,
      live: () => ({ doc: room.doc, state: Y.encodeStateAsUpdate(room.doc) }),
    })
    expect(version).toMatchObject({ kind: 'named', label: 'now', shapeCount: 1 })
    expect(shapeIdsOf((await server.store.readVersion('just-now', version!.id))!.state)).toEqual(['shape:a-moment-ago'])
  })

  it('each automatic version thins the room’s versions past retention to one per day, keeping named ones', async () => {
    const server = await startTestServer({ config: FAST_VERSIONS })
    const ada = server.connect('retained', { sub: 'u-ada', name: 'Ada' })
    await waitUntil(() => ada.provider.synced, 'synced')
    const day = (offset: number, hour: number) => new Date(Date.UTC(2020, 0, 1 + offset, hour))
    const old = []
    for (const [offset, hour, kind] of [
      [0, 8, 'auto'],
      [0, 9, 'named'],
      [0, 10, 'auto'],
      [1, 8, 'before-restore'],
      [1, 9, 'auto'],
    ] as const) {
      old.push((await server.store.saveVersion('retained', { kind, label: kind === 'named' ? 'old' : null, skipIfUnchanged: false, at: day(offset, hour) }))!.id)
    }
    boardRecords(ada.doc).set('shape:new', shape('shape:new'))
    await waitUntil(async () => (await server.store.listVersions('retained')).length === 4, 'the new version, and the old ones thinned')
    const listed = await server.store.listVersions('retained')
    expect(listed[0]).toMatchObject({ kind: 'auto', shapeCount: 1 })
    expect(listed.slice(1).map((version) => version.id)).toEqual([old[4], old[2], old[1]])
  })
})
