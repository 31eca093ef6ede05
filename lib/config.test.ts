import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_DATABASE_URL, loadServerConfig } from './config.ts'

const SECRET = 'a'.repeat(32)

describe('server configuration', () => {
  it('fills documented defaults', () => {
    const config = loadServerConfig({ AUTH_SECRET: SECRET })
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 1234,
      databaseUrl: DEFAULT_DATABASE_URL,
      heartbeatMs: 30_000,
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
    })
  })

  it('reads variables and splits ALLOWED_ORIGINS', () => {
    const config = loadServerConfig({ AUTH_SECRET: SECRET, SYNC_PORT: '4000', ALLOWED_ORIGINS: 'https://a.example, https://b.example' })
    expect(config.port).toBe(4000)
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example'])
  })

  it('names the variable that is wrong', () => {
    expect(() => loadServerConfig({})).toThrow(/AUTH_SECRET/)
    expect(() => loadServerConfig({ AUTH_SECRET: 'short' })).toThrow(/AUTH_SECRET: must be at least 32/)
    expect(() => loadServerConfig({ AUTH_SECRET: SECRET, HEARTBEAT_MS: 'soon' })).toThrow(/HEARTBEAT_MS/)
    expect(() => loadServerConfig({ AUTH_SECRET: SECRET, SYNC_PORT: '70000' })).toThrow(/SYNC_PORT/)
    expect(() => loadServerConfig({ AUTH_SECRET: SECRET, DATABASE_URL: 'mysql://x' })).toThrow(ConfigError)
  })
})
