import { createDatabase, providerOf, type Database } from '../../lib/db/client.ts'
import { describeRoomStoreContract } from './roomStore.contract.ts'
import { MemoryRoomStore } from './memoryRoomStore.ts'
import { PrismaRoomStore } from './prismaRoomStore.ts'
import { createTempDatabase } from '../testing/support.ts'

describeRoomStoreContract('MemoryRoomStore', async () => {
  const store = new MemoryRoomStore()
  return {
    store,
    createRoom: async (roomId, viewId) => store.createRoom(roomId, { viewId }),
    viewIdOf: async (roomId) => store.rooms.get(roomId)?.viewId ?? null,
    updateRoom: async (roomId, change) => store.updateRoom(roomId, change),
    nameOf: async (roomId) => store.rooms.get(roomId)?.name ?? null,
    rowsOf: async (roomId) => {
      const room = store.rooms.get(roomId)
      return room ? room.log.length + (room.snapshot ? 1 : 0) + room.versions.length + room.editors.size : 0
    },
    createLegacyRoom: async (roomId, data, schema) => store.createRoom(roomId, { snapshot: { data, collected: false, schema } }),
    // One store is all the storage there is.
    openAnother: async () => store,
    dispose: () => store.close(),
  }
})

const provider = process.env.TEST_DATABASE_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite'

describeRoomStoreContract(`PrismaRoomStore (${provider})`, async () => {
  const database = await createTempDatabase()
  const db = await createDatabase(database.url)
  const store = new PrismaRoomStore(db, providerOf(database.url))
  const clients: Database[] = [db]
  return {
    store,
    createRoom: async (id, viewId) => {
      await db.room.create({ data: { id, editId: id, viewId } })
    },
    viewIdOf: async (id) => (await db.room.findUnique({ where: { id }, select: { viewId: true } }))?.viewId ?? null,
    updateRoom: async (id, change) => {
      await db.room.update({ where: { id }, data: change })
    },
    nameOf: async (id) => (await db.room.findUnique({ where: { id }, select: { name: true } }))?.name ?? null,
    rowsOf: async (roomId) =>
      (await db.roomUpdate.count({ where: { roomId } })) +
      (await db.roomSnapshot.count({ where: { roomId } })) +
      (await db.roomVersion.count({ where: { roomId } })) +
      (await db.roomEditor.count({ where: { roomId } })),
    createLegacyRoom: async (roomId, data, schema) => {
      await db.room.create({ data: { id: roomId, editId: roomId, viewId: `${roomId}-view` } })
      await db.roomSnapshot.create({
        data: { roomId, data: new Uint8Array(data), lastUpdateId: 0, schemaVersion: schema ? JSON.stringify(schema) : null },
      })
    },
    openAnother: async () => {
      const another = await createDatabase(database.url)
      clients.push(another)
      return new PrismaRoomStore(another, providerOf(database.url))
    },
    dispose: async () => {
      for (const client of clients) await client.$disconnect()
      await database.remove()
    },
  }
})
