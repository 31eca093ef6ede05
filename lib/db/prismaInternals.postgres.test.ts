// Needs PostgreSQL on 127.0.0.1:5432 (npm run test:services).
import pg from 'pg'
import { migratePostgres } from './migrate.ts'
import { describePrismaAdapterCanaries } from './prismaInternals.suite.ts'

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
let created = 0

/** A fresh, migrated PostgreSQL database, dropped by `remove`. */
async function temporaryPostgres(): Promise<{ url: string; remove: () => Promise<void> }> {
  const name = `wb_prisma_canary_${Date.now()}_${process.pid}_${created++}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = ADMIN_URL.replace(/\/postgres$/, `/${name}`)
  await migratePostgres(url)
  return {
    url,
    remove: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

describePrismaAdapterCanaries('the pg adapter', temporaryPostgres)
