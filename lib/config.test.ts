import { describe, expect, it } from 'vitest'
import { APP_VARIABLES, ConfigError, DEFAULT_DATABASE_URL, type Environment, SYNC_SERVER_VARIABLES, describeVariable, loadAppConfig, loadDatabaseUrl, loadServerConfig } from './config.ts'

const SECRET = 'a'.repeat(32)

// A test's environment: only the variables it names.
const env = (vars: Record<string, string>): Environment => vars

/** The ConfigError that loading `vars` with `load` throws (fails the test when it does not throw one). */
function refusal(load: (env: Environment) => unknown, vars: Record<string, string>): ConfigError {
  try {
    load(env({ AUTH_SECRET: SECRET, ...vars }))
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(vars)}`)
}

/** Every whole-number variable, the view that reads it, and its range. */
const WHOLE_NUMBERS: [name: string, load: typeof loadServerConfig | typeof loadAppConfig, min: number, max?: number][] = [
  ['PORT', loadServerConfig, 0, 65535],
  ['PORT', loadAppConfig, 0, 65535],
  ['SYNC_PORT', loadServerConfig, 0, 65535],
  ['SYNC_PORT', loadAppConfig, 0, 65535],
  ['TRUST_PROXY_HOPS', loadServerConfig, 0, 16],
  ['TRUST_PROXY_HOPS', loadAppConfig, 0, 16],
  ['TOKEN_REQUESTS_PER_MIN', loadAppConfig, 1],
  ['UPLOADS_PER_MIN', loadAppConfig, 1],
  ['BOARDS_PER_MIN', loadAppConfig, 1],
  ['HEARTBEAT_MS', loadServerConfig, 50],
  ['AUTH_TIMEOUT_MS', loadServerConfig, 10],
  ['PERSIST_INTERVAL_MS', loadServerConfig, 1],
  ['MAX_MESSAGE_BYTES', loadServerConfig, 1024],
  ['MAX_SOCKETS_PER_IP', loadServerConfig, 1],
  ['AUTH_QUEUE_MAX_MESSAGES', loadServerConfig, 1],
  ['AUTH_QUEUE_MAX_BYTES', loadServerConfig, 1024],
  ['AUTH_FRAME_MAX_BYTES', loadServerConfig, 256],
  ['COMPACT_AFTER_UPDATES', loadServerConfig, 2],
  ['AWARENESS_FLUSH_MS', loadServerConfig, 1],
  ['RATE_MESSAGES_PER_SEC', loadServerConfig, 1],
  ['RATE_BYTES_PER_SEC', loadServerConfig, 1024],
  ['CONNECTIONS_PER_SEC_PER_IP', loadServerConfig, 1],
  ['AUTH_FAILURES_PER_MIN_PER_IP', loadServerConfig, 1],
  ['MAX_PEERS_PER_ROOM', loadServerConfig, 1],
  ['MAX_DOC_BYTES', loadServerConfig, 1024],
  ['MAX_BUFFERED_BYTES', loadServerConfig, 1024],
  ['AWARENESS_MAX_BYTES', loadServerConfig, 64],
  ['AWARENESS_MAX_CLIENTS', loadServerConfig, 1],
  ['SHUTDOWN_TIMEOUT_MS', loadServerConfig, 100],
  ['TRASH_RETENTION_DAYS', loadServerConfig, 1],
  ['METRICS_PORT', loadServerConfig, 0, 65535],
]

describe('server configuration', () => {
  it('fills documented defaults', () => {
    expect(loadServerConfig(env({ AUTH_SECRET: SECRET }))).toEqual({
      host: '127.0.0.1',
      port: 1234,
      databaseUrl: DEFAULT_DATABASE_URL,
      authSecret: SECRET,
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      heartbeatMs: 30_000,
      authTimeoutMs: 10_000,
      persistIntervalMs: 250,
      maxMessageBytes: 16 * 1024 * 1024,
      maxSocketsPerIp: 64,
      authQueueMaxMessages: 32,
      authQueueMaxBytes: 256 * 1024,
      authFrameMaxBytes: 16 * 1024,
      compactAfterUpdates: 500,
      awarenessFlushMs: 33,
      rateMessagesPerSec: 300,
      rateBytesPerSec: 4 * 1024 * 1024,
      connectionsPerSecPerIp: 20,
      authFailuresPerMinPerIp: 30,
      trustProxyHops: 0,
      maxPeersPerRoom: 256,
      maxDocBytes: 64 * 1024 * 1024,
      maxBufferedBytes: 64 * 1024 * 1024,
      awarenessMaxBytes: 16 * 1024,
      awarenessMaxClients: 8,
      shutdownTimeoutMs: 5_000,
      versionIdleMs: 120_000,
      versionEveryMs: 600_000,
      versionRetentionDays: 30,
      trashRetentionDays: 30,
      metricsHost: '127.0.0.1',
      metricsPort: 9464,
      redisUrl: null,
      redisPrefix: 'wb:',
      tls: null,
      logLevel: 'info',
    })
  })

  it('reads variables, splits ALLOWED_ORIGINS, and derives the default origins from PORT', () => {
    const config = loadServerConfig(
      env({
        AUTH_SECRET: SECRET,
        SYNC_PORT: '4000',
        ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443,',
        AWARENESS_MAX_BYTES: '1024',
        REDIS_URL: 'rediss://cache.example:6380',
        TLS_CERT_FILE: 'cert.pem',
        TLS_KEY_FILE: 'key.pem',
        LOG_LEVEL: 'debug',
        TRASH_RETENTION_DAYS: '7',
      }),
    )
    expect(config).toMatchObject({
      trashRetentionDays: 7,
      port: 4000,
      allowedOrigins: ['https://a.example', 'https://b.example:8443'],
      awarenessMaxBytes: 1024,
      redisUrl: 'rediss://cache.example:6380',
      tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
      logLevel: 'debug',
    })
    expect(loadServerConfig(env({ AUTH_SECRET: SECRET, PORT: '8080' })).allowedOrigins).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080'])
  })

  it('takes an empty value as unset', () => {
    const config = loadServerConfig(env({ AUTH_SECRET: SECRET, HEARTBEAT_MS: '', SYNC_HOST: '', ALLOWED_ORIGINS: '' }))
    expect(config).toMatchObject({ heartbeatMs: 30_000, host: '127.0.0.1', allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'] })
  })

  it('names the variable that is wrong', () => {
    expect(() => loadServerConfig(env({}))).toThrow(/^invalid configuration: AUTH_SECRET: is required/)
    expect(() => loadServerConfig(env({ AUTH_SECRET: 'short' }))).toThrow(/AUTH_SECRET: must be at least 32/)
    expect(refusal(loadServerConfig, { DATABASE_URL: 'mysql://x' }).problems).toEqual([
      { variable: 'DATABASE_URL', problem: 'must start with file: (SQLite) or postgresql:// (PostgreSQL)' },
    ])
    expect(refusal(loadServerConfig, { REDIS_URL: 'http://cache.example' }).message).toBe('invalid configuration: REDIS_URL: must be a redis:// or rediss:// URL')
    expect(refusal(loadServerConfig, { REDIS_URL: 'redis' }).problems[0].variable).toBe('REDIS_URL')
    expect(refusal(loadServerConfig, { LOG_LEVEL: 'loud' }).problems[0].variable).toBe('LOG_LEVEL')
    expect(refusal(loadServerConfig, { TLS_CERT_FILE: 'cert.pem' }).message).toBe(
      'invalid configuration: TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    )
    expect(refusal(loadServerConfig, { TLS_KEY_FILE: 'key.pem' }).problems[0].variable).toBe('TLS_CERT_FILE')
  })

  it('refuses an ALLOWED_ORIGINS entry that is not an origin as browsers send it', () => {
    for (const entry of ['localhost:3000', 'https://a.example/', 'https://a.example/board', 'HTTPS://A.example']) {
      expect(refusal(loadServerConfig, { ALLOWED_ORIGINS: `https://ok.example,${entry}` }).message, entry).toBe(
        `invalid configuration: ALLOWED_ORIGINS: ${JSON.stringify(entry)} is not an origin like https://board.example`,
      )
    }
  })

  it('reports every bad variable at once', () => {
    expect(refusal(loadServerConfig, { HEARTBEAT_MS: 'soon', SYNC_PORT: '70000' }).problems.map((p) => p.variable)).toEqual(['SYNC_PORT', 'HEARTBEAT_MS'])
  })

  it('ignores what only the app reads', () => {
    expect(() => loadServerConfig(env({ AUTH_SECRET: SECRET, TOKEN_REQUESTS_PER_MIN: '6O', SYNC_PUBLIC_URL: 'nope' }))).not.toThrow()
  })
})

describe('DATABASE_URL alone (npm run setup, db:migrate, prisma.config.ts)', () => {
  it('defaults to the embedded SQLite file and refuses a URL of another database', () => {
    expect(loadDatabaseUrl(env({}))).toBe(DEFAULT_DATABASE_URL)
    expect(loadDatabaseUrl(env({ DATABASE_URL: 'postgresql://127.0.0.1/wb' }))).toBe('postgresql://127.0.0.1/wb')
    expect(() => loadDatabaseUrl(env({ DATABASE_URL: 'mysql://127.0.0.1/wb' }))).toThrow(/DATABASE_URL: must start with file:/)
  })
})

describe('whole-number variables', () => {
  it.each(WHOLE_NUMBERS)('%s (%o) refuses a typo, a sign, a fraction, an exponent and values out of range, naming itself', (name, load, min, max) => {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`
    for (const bad of ['6O', '-1', '2.5', '1e3', ' 60', 'soon']) {
      expect(refusal(load, { [name]: bad }).message, bad).toBe(`invalid configuration: ${name}: must be a whole number ${range} (got ${JSON.stringify(bad)})`)
    }
    if (min > 0) expect(refusal(load, { [name]: String(min - 1) }).message).toBe(`invalid configuration: ${name}: must be a whole number ${range} (got ${min - 1})`)
    if (max !== undefined) expect(refusal(load, { [name]: String(max + 1) }).problems).toEqual([{ variable: name, problem: `must be a whole number ${range} (got ${max + 1})` }])
    expect(() => load(env({ AUTH_SECRET: SECRET, [name]: String(max ?? min) }))).not.toThrow()
  })
})

describe('app configuration', () => {
  it('fills documented defaults', () => {
    expect(loadAppConfig(env({ AUTH_SECRET: SECRET }))).toEqual({
      port: 3000,
      authSecret: SECRET,
      databaseUrl: DEFAULT_DATABASE_URL,
      syncPublicUrl: null,
      syncPort: 1234,
      syncInternalUrl: 'http://127.0.0.1:1234',
      rateLimits: { token: 600, upload: 30, board: 20, version: 30 },
      trustProxyHops: 0,
      insecureCookies: false,
    })
  })

  it('reads its variables', () => {
    const config = loadAppConfig(
      env({
        AUTH_SECRET: SECRET,
        DATABASE_URL: 'postgresql://wb@db.example:5432/wb',
        SYNC_PUBLIC_URL: 'wss://board.example/sync//',
        TOKEN_REQUESTS_PER_MIN: '60',
        UPLOADS_PER_MIN: '5',
        BOARDS_PER_MIN: '2',
        TRUST_PROXY_HOPS: '1',
        INSECURE_COOKIES: '1',
      }),
    )
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://wb@db.example:5432/wb',
      syncPublicUrl: 'wss://board.example/sync',
      rateLimits: { token: 60, upload: 5, board: 2, version: 30 },
      trustProxyHops: 1,
      insecureCookies: true,
    })
  })

  it('refuses TOKEN_REQUESTS_PER_MIN=6O (a letter O) instead of answering every token request 429', () => {
    const error = refusal(loadAppConfig, { TOKEN_REQUESTS_PER_MIN: '6O' })
    expect(error.message).toBe('invalid configuration: TOKEN_REQUESTS_PER_MIN: must be a whole number of at least 1 (got "6O")')
    expect(error.problems).toEqual([{ variable: 'TOKEN_REQUESTS_PER_MIN', problem: 'must be a whole number of at least 1 (got "6O")' }])
  })

  it('needs AUTH_SECRET, as the sync server does', () => {
    expect(() => loadAppConfig(env({}))).toThrow(/^invalid configuration: AUTH_SECRET: is required/)
    expect(refusal(loadAppConfig, { AUTH_SECRET: 'short' }).problems[0]).toEqual({ variable: 'AUTH_SECRET', problem: 'must be at least 32 characters' })
  })

  it('takes INSECURE_COOKIES as 1/true or 0/false only', () => {
    expect(loadAppConfig(env({ AUTH_SECRET: SECRET, INSECURE_COOKIES: 'true' })).insecureCookies).toBe(true)
    expect(loadAppConfig(env({ AUTH_SECRET: SECRET, INSECURE_COOKIES: '0' })).insecureCookies).toBe(false)
    expect(loadAppConfig(env({ AUTH_SECRET: SECRET, INSECURE_COOKIES: 'false' })).insecureCookies).toBe(false)
    expect(refusal(loadAppConfig, { INSECURE_COOKIES: 'yes' }).message).toBe('invalid configuration: INSECURE_COOKIES: must be 1, true, 0 or false')
  })

  it('refuses a SYNC_PUBLIC_URL that is not a ws:// or wss:// URL', () => {
    for (const bad of ['https://board.example/sync', 'board.example:1234', 'wss//board.example']) {
      expect(refusal(loadAppConfig, { SYNC_PUBLIC_URL: bad }).message, bad).toBe('invalid configuration: SYNC_PUBLIC_URL: must be a ws:// or wss:// URL')
    }
  })

  it('refuses a bad DATABASE_URL', () => {
    expect(refusal(loadAppConfig, { DATABASE_URL: 'mysql://x' }).problems[0].variable).toBe('DATABASE_URL')
  })

  it('ignores what only the sync server reads', () => {
    expect(() => loadAppConfig(env({ AUTH_SECRET: SECRET, HEARTBEAT_MS: 'soon', LOG_LEVEL: 'loud' }))).not.toThrow()
  })
})

describe('the schema', () => {
  it('describes every variable in one line', () => {
    for (const name of new Set([...SYNC_SERVER_VARIABLES, ...APP_VARIABLES])) {
      expect(describeVariable(name), name).toMatch(/^[^\n]{10,}$/)
    }
  })
})
