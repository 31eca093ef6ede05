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

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations')

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
