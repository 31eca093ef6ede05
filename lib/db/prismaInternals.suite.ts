/**
 * Canaries for what lib/db assumes about Prisma's driver adapters beyond Prisma's documented API,
 * run against a real, migrated database of each provider (prismaInternals.test.ts: SQLite;
 * prismaInternals.postgres.test.ts: PostgreSQL). Each test is named after one assumption and the
 * code that rests on it, so a Prisma upgrade that breaks one says which.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fromHex, hexColumn, placeholders } from './blobs.ts'
import { createDatabase, driverAdapterOf, insertRows, providerOf, type Database } from './client.ts'

/** A migrated, empty database for one test, and how to remove it. */
export type CreateDatabaseUrl = () => Promise<{ url: string; remove: () => Promise<void> }>

const UPDATE_COLUMNS = [
  { name: 'roomId', kind: 'text' },
  { name: 'data', kind: 'bytes' },
  { name: 'createdAt', kind: 'datetime' },
] as const

/** Registers the canaries that hold for every provider. */
export function describePrismaAdapterCanaries(adapterName: string, createUrl: CreateDatabaseUrl): void {
  describe(`Prisma internals lib/db relies on (${adapterName})`, () => {
    let db: Database
    let remove: () => Promise<void>
    let provider: ReturnType<typeof providerOf>

    beforeEach(async () => {
      const created = await createUrl()
      remove = created.remove
      provider = providerOf(created.url)
      db = await createDatabase(created.url)
      await db.room.create({ data: { id: 'room-a', editId: 'room-a', viewId: 'view-a' } })
    })

    afterEach(async () => {
      await db.$disconnect()
      await remove()
    })

    it(`${adapterName} binds a Buffer as bytes, a Date as the DateTime Prisma reads back and a string as text, given hand-built argTypes bytes, datetime and string (client.ts: insertRows; prismaRoomStore.ts: the update log's writes)`, async () => {
      const createdAt = new Date('2026-01-02T03:04:05.678Z')
      const first = Buffer.from([0, 1, 2, 255, 0])
      const second = Buffer.alloc(70_000, 7)
      await insertRows(await driverAdapterOf(db), 'RoomUpdate', UPDATE_COLUMNS, [
        ['room-a', first, createdAt],
        ['room-a', second, createdAt],
      ])
      const rows = await db.roomUpdate.findMany({ where: { roomId: 'room-a' }, orderBy: { id: 'asc' } })
      expect(rows.map((row) => Buffer.from(row.data))).toEqual([first, second])
      expect(rows.map((row) => row.createdAt.toISOString())).toEqual([createdAt.toISOString(), createdAt.toISOString()])
      expect(rows.map((row) => row.roomId)).toEqual(['room-a', 'room-a'])
    })

    it(`${adapterName} returns a binary column to raw queries as an array of numbers, which is why binary columns are read as hex text (blobs.ts: hexColumn, fromHex)`, async () => {
      const data = Buffer.from([0, 16, 171, 255])
      await db.roomUpdate.create({ data: { roomId: 'room-a', data } })
      const adapter = await driverAdapterOf(db)
      const result = await adapter.queryRaw({ sql: 'SELECT "data" FROM "RoomUpdate"', args: [], argTypes: [] })
      expect(result.rows[0][0]).toEqual([0, 16, 171, 255])
      const [row] = await db.$queryRawUnsafe<{ data: string }[]>(
        `SELECT ${hexColumn(provider, 'data')} AS "data" FROM "RoomUpdate" WHERE "roomId" = ${placeholders(provider, 1)}`,
        'room-a',
      )
      expect(typeof row.data).toBe('string')
      expect(fromHex(row.data)).toEqual(data)
    })

    it(`Prisma's $disconnect() calls dispose() on the adapter factory.connect() gave it, and its next query calls connect() again (client.ts: SharedAdapterFactory, driverAdapterOf)`, async () => {
      const before = await driverAdapterOf(db)
      await db.$disconnect()
      expect(await db.room.count()).toBe(1)
      const after = await driverAdapterOf(db)
      expect(after).not.toBe(before)
      const result = await after.queryRaw({ sql: 'SELECT COUNT(*) AS "n" FROM "Room"', args: [], argTypes: [] })
      expect(Number(result.rows[0][0])).toBe(1)
    })
  })
}
