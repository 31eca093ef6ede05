import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDatabase, providerOf } from './client.ts'
import { compressState, decompressState, listVersions, readVersion, recordsOfState, shapeCountOf, stateHashOf } from './versions.ts'
import { PrismaRoomStore } from '../../server/storage/prismaRoomStore.ts'
import { useTempDatabase } from '../../server/testing/fixture.ts'
import { shape } from '../../server/testing/support.ts'
import { BOARD_RECORDS_MAP } from '../protocol.ts'

/** A board of `shapes` shapes and one page, as a state. */
function boardState(shapes: number): Uint8Array {
  const doc = new Y.Doc()
  const records = doc.getMap<unknown>(BOARD_RECORDS_MAP)
  records.set('page:page', { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} })
  for (let i = 0; i < shapes; i++) records.set(`shape:${i}`, shape(`shape:${i}`, { i }))
  return Y.encodeStateAsUpdate(doc)
}

describe('lib/db/versions', () => {
  it('recordsOfState gives the board map’s records; shapeCountOf counts those with typeName shape', () => {
    const records = recordsOfState(boardState(3))
    expect(records).toHaveLength(4)
    expect(records).toContainEqual(shape('shape:2', { i: 2 }))
    expect(shapeCountOf(records)).toBe(3)
    expect(shapeCountOf([null, 'shape', { typeName: 'shape' }, { typeName: 'page' }])).toBe(1)
    expect(recordsOfState(Y.encodeStateAsUpdate(new Y.Doc()))).toEqual([])
  })

  it('a compressed state decompresses to the same bytes and is much smaller; the hash is the sha256 of the state', () => {
    const state = boardState(200)
    const compressed = compressState(state)
    expect(Buffer.from(decompressState(compressed)).equals(Buffer.from(state))).toBe(true)
    expect(compressed.byteLength).toBeLessThan(state.byteLength / 5)
    expect(stateHashOf(state)).toMatch(/^[0-9a-f]{64}$/)
    expect(stateHashOf(state)).toBe(stateHashOf(state.slice()))
    expect(stateHashOf(state)).not.toBe(stateHashOf(boardState(201)))
  })

  it('listVersions and readVersion read what the sync server’s store wrote, as the app reads it', async () => {
    const database = await useTempDatabase()
    const db = await createDatabase(database.url)
    try {
      const store = new PrismaRoomStore(db, providerOf(database.url))
      await store.load('board')
      await store.append('board', [boardState(12)])
      const version = await store.saveVersion('board', { kind: 'named', label: 'twelve', skipIfUnchanged: false })
      expect(await listVersions(db, 'board')).toEqual([version])
      const read = await readVersion(db, 'board', version!.id)
      expect(read!.version).toEqual(version)
      expect(shapeCountOf(recordsOfState(read!.state))).toBe(12)
      expect(await readVersion(db, 'other-board', version!.id)).toBeNull()
    } finally {
      await db.$disconnect()
    }
  })
})
