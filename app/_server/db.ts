import { createDatabase, type Database } from '../../lib/db/client.ts'
import { appConfig } from './config.ts'

const globalForDb = globalThis as unknown as { whiteboardDb?: Promise<Database> }

/** The app's one Prisma client (kept across hot reloads in development). */
export function database(): Promise<Database> {
  globalForDb.whiteboardDb ??= createDatabase(appConfig().databaseUrl)
  return globalForDb.whiteboardDb
}
