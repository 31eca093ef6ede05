import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_DATABASE_URL, loadServerConfig } from './config.ts'

const SECRET = 'a'.repeat(32)

// Next's types make NODE_ENV a required key of ProcessEnv; these test environments leave it out.
const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv

describe('server configuration', () => {
  it('fills documented defaults', () => {
    const config = loadServerConfig(env({ AUTH_SECRET: SECRET }))
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 1234,
      databaseUrl: DEFAULT_DATABASE_URL,
      heartbeatMs: 30_000,
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      authFrameMaxBytes: 16 * 1024,
      authQueueMaxBytes: 256 * 1024,
      trustProxyHops: 0,
      metricsHost: '127.0.0.1',
      metricsPort: 9464,
    })
  })

  it('reads variables and splits ALLOWED_ORIGINS', () => {
    const config = loadServerConfig(env({ AUTH_SECRET: SECRET, SYNC_PORT: '4000', ALLOWED_ORIGINS: 'https://a.example, https://b.example' }))
    expect(config.port).toBe(4000)
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example'])
  })

  it('names the variable that is wrong', () => {
    expect(() => loadServerConfig(env({}))).toThrow(/AUTH_SECRET/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: 'short' }))).toThrow(/AUTH_SECRET: must be at least 32/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, HEARTBEAT_MS: 'soon' }))).toThrow(/HEARTBEAT_MS/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, SYNC_PORT: '70000' }))).toThrow(/SYNC_PORT/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, DATABASE_URL: 'mysql://x' }))).toThrow(ConfigError)
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, TRUST_PROXY_HOPS: '-1' }))).toThrow(/TRUST_PROXY_HOPS/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, METRICS_PORT: '70000' }))).toThrow(/METRICS_PORT/)
  })
})
