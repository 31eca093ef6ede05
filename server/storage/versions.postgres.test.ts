/**
 * Version history scaled out: instances sharing one PostgreSQL database write a version once.
 * PostgreSQL only (its advisory lock is what is tested), so it runs in `npm run test:services`.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDatabase, providerOf } from '../../lib/db/client.ts'
import { useTempDatabase } from '../testing/fixture.ts'
import { boardRecords, shape } from '../testing/support.ts'
import { PrismaRoomStore } from './prismaRoomStore.ts'

describe('version history scaled out (PostgreSQL)', () => {
  it('two instances saving the same room at once write exactly one version', async () => {
    const database = await useTempDatabase('postgresql')
    const [first, second] = await Promise.all([createDatabase(database.url), createDatabase(database.url)])
    const stores = [new PrismaRoomStore(first, providerOf(database.url)), new PrismaRoomStore(second, providerOf(database.url))]
    try {
      await stores[0].load('shared')
      const doc = new Y.Doc()
      for (let i = 0; i < 20; i++) boardRecords(doc).set(`shape:${i}`, shape(`shape:${i}`))
      await stores[0].append('shared', [Y.encodeStateAsUpdate(doc)])
      for (let round = 0; round < 5; round++) {
        const saved = await Promise.all(stores.map((store) => store.saveVersion('shared', { kind: 'auto', label: null, skipIfUnchanged: true })))
        expect(saved.filter((version) => version !== null)).toHaveLength(round === 0 ? 1 : 0)
      }
      expect(await stores[1].listVersions('shared')).toHaveLength(1)
    } finally {
      await Promise.all([first.$disconnect(), second.$disconnect()])
    }
  })
})
