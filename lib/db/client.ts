import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaClient } from './generated/sqlite/client.ts'

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
  if (providerOf(databaseUrl) !== 'sqlite') {
    throw new Error('DATABASE_URL: only SQLite (file:…) is supported by this build')
  }
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }) })
}
