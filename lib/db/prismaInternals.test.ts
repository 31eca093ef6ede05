import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createDatabase, driverAdapterOf, type Database } from './client.ts'
import { migrateSqlite } from './migrate.ts'
import { describePrismaAdapterCanaries } from './prismaInternals.suite.ts'

/** A migrated SQLite file in a temporary folder. */
async function temporarySqlite(): Promise<{ url: string; remove: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-prisma-'))
  const url = `file:${path.join(dir, 'canary.db')}`
  migrateSqlite(url)
  return { url, remove: async () => rmSync(dir, { recursive: true, force: true }) }
}

describePrismaAdapterCanaries('the better-sqlite3 adapter', temporarySqlite)

describe('Prisma internals lib/db relies on (SQLite connection)', () => {
  const cleanups: (() => Promise<void>)[] = []

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('Prisma queries through the adapter its factory.connect() returned, so driverAdapterOf shares its connection (client.ts: SharedAdapterFactory, driverAdapterOf)', async () => {
    const { url, remove } = await temporarySqlite()
    const db: Database = await createDatabase(url)
    cleanups.push(remove, () => db.$disconnect())
    expect(await db.room.count()).toBe(0)
    // A temporary table exists on the connection that made it only.
    await (await driverAdapterOf(db)).executeScript('CREATE TEMP TABLE "canary" ("x" INTEGER); INSERT INTO "canary" VALUES (42)')
    expect(await db.$queryRawUnsafe<{ x: number }[]>('SELECT "x" FROM temp."canary"')).toEqual([{ x: 42 }])
  })
})
