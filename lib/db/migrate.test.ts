import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, migrateSqlite, readMigrations } from './migrate.ts'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('migrations', () => {
  it('has the same migrations for both providers', () => {
    expect(readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name)).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.name))
  })

  it('migrates a fresh SQLite file once and records it in Prisma’s table', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wb-migrate-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const url = `file:${path.join(dir, 'nested', 'fresh.db')}`
    expect(migrateSqlite(url)).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.name))
    expect(migrateSqlite(url)).toEqual([])
    const db = new BetterSqlite3(url.slice('file:'.length))
    expect((db.prepare('SELECT COUNT(*) AS n FROM _prisma_migrations').get() as { n: number }).n).toBe(readMigrations(MIGRATIONS_DIR).length)
    db.close()
  })
})
