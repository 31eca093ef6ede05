import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * The PostgreSQL schema is derived from the SQLite one, so the two providers' models cannot
 * drift: only the generator output, the datasource provider and its placeholder URL differ.
 * `npm run db:schemas` rewrites prisma/postgres/schema.prisma; a test fails if it is stale.
 */
const ROOT = path.resolve(import.meta.dirname, '../..')
export const SQLITE_SCHEMA = path.join(ROOT, 'prisma/schema.prisma')
export const POSTGRES_SCHEMA = path.join(ROOT, 'prisma/postgres/schema.prisma')

export function postgresSchemaFrom(sqliteSchema: string): string {
  const converted = sqliteSchema
    .replace('output     = "../lib/db/generated/sqlite"', 'output     = "../../lib/db/generated/postgres"')
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:../data/whiteboard.db"', 'url      = "postgresql://postgres@127.0.0.1:5432/whiteboard"')
    .replace(/^\/\/ The board's storage model\..*\n(\/\/.*\n)*/m, '')
  return `// Generated from prisma/schema.prisma by \`npm run db:schemas\`: edit that file instead.\n${converted}`
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(POSTGRES_SCHEMA, postgresSchemaFrom(readFileSync(SQLITE_SCHEMA, 'utf8')))
}
