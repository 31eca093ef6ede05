import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'

/** A migration folder as Prisma writes it: `<name>/migration.sql`. */
export interface Migration {
  name: string
  sql: string
  checksum: string
}

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

// Prisma's own bookkeeping table, so `prisma migrate status` agrees with what we applied.
const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`

// Relative to this module; the server bundle (dist/server/index.mjs) sits as deep, so it resolves the same.
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations')
export const POSTGRES_MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/postgres/migrations')

/** Applies pending migrations for whichever provider DATABASE_URL selects. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  return databaseUrl.startsWith('file:') ? migrateSqlite(databaseUrl) : migratePostgres(databaseUrl)
}

/**
 * Applies pending migrations to a SQLite database, creating its file (and folder) if needed.
 * Runs under SQLite's write lock, so processes starting at once apply each migration once.
 * Returns the names of the migrations it applied.
 */
export function migrateSqlite(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): string[] {
  const file = databaseUrl.replace(/^file:/, '')
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const db = new BetterSqlite3(file, { timeout: 15_000 })
  try {
    db.pragma('journal_mode = WAL')
    const applied: string[] = []
    const run = db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS_TABLE)
      const done = new Map(
        (db.prepare('SELECT migration_name, checksum FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL').all() as { migration_name: string; checksum: string }[]).map((row) => [row.migration_name, row.checksum]),
      )
      for (const migration of readMigrations(migrationsDir)) {
        const checksum = done.get(migration.name)
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) throw new Error(`migration ${migration.name} was changed after it was applied`)
          continue
        }
        db.exec(migration.sql)
        db.prepare(
          'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, current_timestamp, ?, current_timestamp, 1)',
        ).run(randomUUID(), migration.checksum, migration.name)
        applied.push(migration.name)
      }
    })
    run.immediate()
    return applied
  } finally {
    db.close()
  }
}

const POSTGRES_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`

/** Any constant: the advisory lock that serialises instances migrating the same database at once. */
const MIGRATION_LOCK_KEY = 72_707_369

/**
 * Applies pending migrations to PostgreSQL through the `pg` driver (Prisma's JavaScript schema
 * engine cannot read PostgreSQL's catalogue offline). Instances starting together take an
 * advisory lock, so each migration runs once; each runs in its own transaction and is recorded
 * in Prisma's `_prisma_migrations` table.
 */
export async function migratePostgres(databaseUrl: string, migrationsDir = POSTGRES_MIGRATIONS_DIR): Promise<string[]> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    await client.query(POSTGRES_MIGRATIONS_TABLE)
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL',
    )
    const done = new Map(rows.map((row) => [row.migration_name, row.checksum]))
    const applied: string[] = []
    for (const migration of readMigrations(migrationsDir)) {
      const checksum = done.get(migration.name)
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) throw new Error(`migration ${migration.name} was changed after it was applied`)
        continue
      }
      await client.query('BEGIN')
      try {
        await client.query(migration.sql)
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, now(), 1)',
          [randomUUID(), migration.checksum, migration.name],
        )
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      }
      applied.push(migration.name)
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined)
    await client.end()
  }
}
