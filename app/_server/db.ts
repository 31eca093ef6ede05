import { DEFAULT_DATABASE_URL } from '../../lib/config.ts'
import { createDatabase, type Database } from '../../lib/db/client.ts'

const globalForDb = globalThis as unknown as { whiteboardDb?: Promise<Database> }

/** The app's one Prisma client (kept across hot reloads in development). */
export function database(): Promise<Database> {
  globalForDb.whiteboardDb ??= createDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL)
  return globalForDb.whiteboardDb
}
