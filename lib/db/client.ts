import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from './generated/sqlite/client.ts'
import { PrismaClient as PostgresPrismaClient } from './generated/postgres/client.ts'

/** A Prisma client on either provider. The models are identical (lib/db/schemas.ts), so one type serves both. */
export type Database = InstanceType<typeof PrismaClient>

/** The database engine a DATABASE_URL selects. */
export type Provider = 'sqlite' | 'postgresql'

export function providerOf(databaseUrl: string): Provider {
  return databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql'
}

/**
 * Milliseconds a SQLite writer waits for another process's lock (the app and the sync server
 * share the file). better-sqlite3 waits synchronously, blocking the event loop, so keep it short:
 * a failed write is retried with back-off anyway.
 */
const SQLITE_BUSY_TIMEOUT_MS = 250

/** Creates a Prisma client on the driver adapter that DATABASE_URL selects. */
export function createDatabase(databaseUrl: string): Database {
  if (providerOf(databaseUrl) === 'postgresql') {
    return new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as Database
  }
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }) })
}
