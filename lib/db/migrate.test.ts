import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import BetterSqlite3 from 'better-sqlite3'
import { MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, migratePostgres, migrateSqlite, readMigrations } from './migrate.ts'

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
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

  it('migrates a fresh PostgreSQL database once when two instances start at the same moment', async () => {
    const name = `wb_migrate_${Date.now()}_${process.pid}`
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    })
    const url = ADMIN_URL.replace(/\/postgres$/, `/${name}`)
    const [first, second] = await Promise.all([migratePostgres(url), migratePostgres(url)])
    expect([...first, ...second]).toEqual(readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('SELECT migration_name FROM "_prisma_migrations"')
    await client.end()
    expect(rows).toHaveLength(readMigrations(POSTGRES_MIGRATIONS_DIR).length)
  })
})
