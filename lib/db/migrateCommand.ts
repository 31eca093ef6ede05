import { existsSync } from 'node:fs'
import { loadDatabaseUrl } from '../config.ts'
import { migrateDatabase } from './migrate.ts'

// `npm run db:migrate`: apply pending migrations to DATABASE_URL (or the default SQLite file).
// Apart from lib/db/migrate.ts, which the sync server's bundle contains.
if (existsSync('.env.local')) process.loadEnvFile('.env.local')
const applied = await migrateDatabase(loadDatabaseUrl())
console.warn(`db:migrate: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`)
