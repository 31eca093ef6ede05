import { existsSync } from 'node:fs'
import { DEFAULT_DATABASE_URL } from '../config.ts'
import { migrateDatabase } from './migrate.ts'

// `npm run db:migrate`: apply pending migrations to DATABASE_URL (or the default SQLite file).
// Apart from lib/db/migrate.ts, which the sync server's bundle contains.
if (existsSync('.env.local')) process.loadEnvFile('.env.local')
const applied = await migrateDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL)
console.warn(`db:migrate: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`)
