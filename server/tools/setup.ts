import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { loadDatabaseUrl } from '../../lib/config.ts'
import { migrateDatabase } from '../../lib/db/migrate.ts'

/**
 * Development set-up, run by `npm install`: writes a random AUTH_SECRET into .env.local
 * (there is no built-in secret) and creates and migrates the database (SQLite by default).
 */
const ENV_FILE = '.env.local'

if (!existsSync(ENV_FILE) || !/^AUTH_SECRET=/m.test(readFileSync(ENV_FILE, 'utf8'))) {
  const existing = existsSync(ENV_FILE) ? readFileSync(ENV_FILE, 'utf8') : ''
  writeFileSync(ENV_FILE, `${existing}AUTH_SECRET=${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
  console.warn(`setup: wrote a new AUTH_SECRET to ${ENV_FILE}`)
}
process.loadEnvFile(ENV_FILE)
const applied = await migrateDatabase(loadDatabaseUrl())
console.warn(`setup: database ready (${applied.length} migration(s) applied)`)
