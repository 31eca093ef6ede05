/**
 * The Prisma client factory, and the one place that goes under Prisma to its driver adapter.
 * What that rests on (Prisma's use of the adapter factory, and how the adapters bind arguments)
 * is checked by the canaries in prismaInternals.test.ts and prismaInternals.postgres.test.ts.
 */
import type { ArgType, SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import { placeholders } from './blobs.ts'
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

// On globalThis: Next bundles this module once per route, and a client made (and cached on
// globalThis by app/_server/db.ts) in one route's copy must be found by another route's copy.
const ADAPTERS_KEY = Symbol.for('whiteboard.db.adapters')
const adapters: WeakMap<Database, SharedAdapterFactory> = ((globalThis as { [ADAPTERS_KEY]?: WeakMap<Database, SharedAdapterFactory> })[ADAPTERS_KEY] ??= new WeakMap())

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

/** Column kinds a raw insert binds, each with the `argTypes` entry Prisma's own queries pass for it. */
const ARG_TYPES = {
  text: { scalarType: 'string', arity: 'scalar' },
  bytes: { scalarType: 'bytes', arity: 'scalar' },
  datetime: { scalarType: 'datetime', arity: 'scalar' },
} as const satisfies Record<string, ArgType>

export type RawColumnKind = keyof typeof ARG_TYPES

/**
 * One multi-row INSERT into `table` through a driver adapter (driverAdapterOf), skipping Prisma's
 * query compiler. `columns` name each column and how its values are bound: strings as text,
 * Uint8Arrays (Buffers) as bytes, Dates as Prisma writes a DateTime, so Prisma's models read the
 * rows back as if Prisma had written them.
 */
export async function insertRows(
  adapter: SqlDriverAdapter,
  table: string,
  columns: readonly { name: string; kind: RawColumnKind }[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const provider: Provider = adapter.provider === 'postgres' ? 'postgresql' : 'sqlite'
  const values = rows.map((_, i) => `(${placeholders(provider, columns.length, i * columns.length)})`)
  await adapter.executeRaw({
    sql: `INSERT INTO "${table}" (${columns.map((column) => `"${column.name}"`).join(', ')}) VALUES ${values.join(', ')}`,
    args: rows.flat(),
    argTypes: rows.flatMap(() => columns.map((column) => ARG_TYPES[column.kind])),
  })
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
