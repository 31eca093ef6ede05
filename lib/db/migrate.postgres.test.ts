// Needs PostgreSQL on 127.0.0.1:5432 (npm run test:services).
import { afterEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { POSTGRES_MIGRATIONS_DIR, migratePostgres, readMigrations } from './migrate.ts'

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('PostgreSQL migrations', () => {
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
