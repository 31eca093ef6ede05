import type { PrismaClient } from './generated/sqlite/client.ts'

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

/**
 * Creates a Prisma client on the driver adapter that DATABASE_URL selects. Only that provider's
 * client and adapter are loaded: each holds a query compiler of its own, several MB a process.
 */
export async function createDatabase(databaseUrl: string): Promise<Database> {
  if (providerOf(databaseUrl) === 'postgresql') {
    const [{ PrismaClient: PostgresPrismaClient }, { PrismaPg }] = await Promise.all([import('./generated/postgres/client.ts'), import('@prisma/adapter-pg')])
    return new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as Database
  }
  const [{ PrismaClient: SqlitePrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([import('./generated/sqlite/client.ts'), import('@prisma/adapter-better-sqlite3')])
  return new SqlitePrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }) })
}
