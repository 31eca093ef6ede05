import path from 'node:path'
import { defineConfig } from 'prisma/config'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { loadDatabaseUrl } from './lib/config.ts'

// Prisma's CLI runs on its JavaScript engine with a driver adapter: the native
// engines it would otherwise download are unreachable offline.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new PrismaBetterSQLite3({ url: loadDatabaseUrl() }),
})
