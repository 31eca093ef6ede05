import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, postgresSchemaFrom } from './schemas.ts'

describe('database schemas', () => {
  it('keeps the PostgreSQL schema generated from the SQLite one (run npm run db:schemas after editing prisma/schema.prisma)', () => {
    expect(readFileSync(POSTGRES_SCHEMA, 'utf8')).toBe(postgresSchemaFrom(readFileSync(SQLITE_SCHEMA, 'utf8')))
  })

  it('changes nothing but the provider, its URL and the generated client folder', () => {
    const models = (schema: string) => schema.slice(schema.indexOf('model '))
    expect(models(readFileSync(POSTGRES_SCHEMA, 'utf8'))).toBe(models(readFileSync(SQLITE_SCHEMA, 'utf8')))
  })
})
