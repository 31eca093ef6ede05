import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
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

const adapters = new WeakMap<Database, SharedAdapterFactory>()

/**
 * Creates a Prisma client on the driver adapter that DATABASE_URL selects. Only that provider's
 * client and adapter are loaded: each holds a query compiler of its own, several MB a process.
 */
export async function createDatabase(databaseUrl: string): Promise<Database> {
  let db: Database
  let factory: SharedAdapterFactory
  if (providerOf(databaseUrl) === 'postgresql') {
    const [{ PrismaClient: PostgresPrismaClient }, { PrismaPg }] = await Promise.all([import('./generated/postgres/client.ts'), import('@prisma/adapter-pg')])
    factory = new SharedAdapterFactory(new PrismaPg({ connectionString: databaseUrl }))
    db = new PostgresPrismaClient({ adapter: factory }) as unknown as Database
  } else {
    const [{ PrismaClient: SqlitePrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([import('./generated/sqlite/client.ts'), import('@prisma/adapter-better-sqlite3')])
    factory = new SharedAdapterFactory(new PrismaBetterSQLite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }))
    db = new SqlitePrismaClient({ adapter: factory })
  }
  adapters.set(db, factory)
  return db
}

/**
 * The driver adapter under a client made by createDatabase: the same connection (pool) Prisma
 * uses. The sync server's hot write goes through it directly, skipping Prisma's query compiler,
 * which for a multi-row INSERT of binary updates costs ten times the statement itself.
 */
export function driverAdapterOf(db: Database): Promise<SqlDriverAdapter> {
  const factory = adapters.get(db)
  if (!factory) throw new Error('not a client made by createDatabase')
  return factory.connect()
}

/** Hands Prisma and driverAdapterOf one connection, made on first use and made again after a disconnect. */
class SharedAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider: SqlDriverAdapterFactory['provider']
  readonly adapterName: string
  private connection: Promise<SqlDriverAdapter> | null = null

  constructor(private readonly inner: SqlDriverAdapterFactory) {
    this.provider = inner.provider
    this.adapterName = inner.adapterName
  }

  connect(): Promise<SqlDriverAdapter> {
    this.connection ??= this.inner.connect().then((adapter) => {
      const dispose = adapter.dispose.bind(adapter)
      adapter.dispose = () => {
        this.connection = null
        return dispose()
      }
      return adapter
    })
    return this.connection
  }
}
