import { z } from 'zod'

/** Default embedded database: a SQLite file under ./data/, created and migrated at start. */
export const DEFAULT_DATABASE_URL = 'file:./data/whiteboard.db'

/**
 * A whole number from the environment, digits only ("1e3", "6O" and "-1" are refused rather than
 * guessed at); the message gives the range and the value received.
 */
function wholeNumber(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`
  const error = (issue: { input?: unknown }) => `must be a whole number ${range} (got ${JSON.stringify(issue.input)})`
  return z
    .string()
    .regex(/^\d+$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }))
    .default(fallback)
}

const port = (fallback: number) => wholeNumber(fallback, 0, 65535)

/** "1"/"true" or "0"/"false"; anything else is refused. */
const flag = z
  .enum(['1', 'true', '0', 'false'], { error: 'must be 1, true, 0 or false' })
  .transform((value) => value === '1' || value === 'true')
  .default(false)

/** A browser origin exactly as browsers send it: scheme, host and port, no path or trailing slash. */
const isOrigin = (value: string) => URL.canParse(value) && new URL(value).origin === value

/**
 * Every variable the sync server and the app read, with its default and what it means, in one
 * place. README's tables list the same; each view below picks the variables its process reads.
 */
const variables = z.object({
  AUTH_SECRET: z
    .string({ error: 'is required (npm run setup writes one into .env.local)' })
    .min(32, 'must be at least 32 characters')
    .describe('HS256 secret of room tokens and guest cookies, shared by the app and the sync server'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .default(DEFAULT_DATABASE_URL)
    .describe('file:<path> for SQLite or postgresql://… for PostgreSQL; migrated when the sync server starts'),
  PORT: port(3000).describe("the app's port; also the port of the default ALLOWED_ORIGINS"),
  SYNC_HOST: z.string().default('127.0.0.1').describe('interface the sync server listens on'),
  SYNC_PORT: port(1234).describe("the sync server's port (WebSocket and /healthz); the app's default sync URL uses it"),
  SYNC_PUBLIC_URL: z
    .url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional()
    .describe("the sync server's URL as browsers reach it; unset: ws(s)://<page host>:SYNC_PORT"),
  ALLOWED_ORIGINS: z
    .string()
    .transform((list) => list.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOrigin, { error: (issue) => `${JSON.stringify(issue.input)} is not an origin like https://board.example` })))
    .optional()
    .describe('comma-separated browser origins allowed to open a socket; unset: http://localhost:PORT and http://127.0.0.1:PORT'),
  TRUST_PROXY_HOPS: wholeNumber(0, 0, 16).describe('reverse proxies in front that append the client to X-Forwarded-For; 0: the TCP peer is the client'),
  TOKEN_REQUESTS_PER_MIN: wholeNumber(600, 1).describe('room tokens per minute per client (POST /api/token; more: 429)'),
  UPLOADS_PER_MIN: wholeNumber(30, 1).describe('image uploads per minute per client (POST /api/assets; more: 429)'),
  BOARDS_PER_MIN: wholeNumber(20, 1).describe('new boards per minute per client (more: back home with a notice)'),
  VERSIONS_PER_MIN: wholeNumber(30, 1).describe('versions saved or restored per minute per client (POST …/versions, …/restore; more: 429)'),
  INSECURE_COOKIES: flag.describe('1: the guest cookie is not marked Secure in production (plain-http deployments only)'),
  HEARTBEAT_MS: wholeNumber(30_000, 50).describe('ping interval; presence is pushed every half interval'),
  AUTH_TIMEOUT_MS: wholeNumber(10_000, 10).describe('time a new socket has to send its auth frame'),
  PERSIST_INTERVAL_MS: wholeNumber(250, 1).describe("a room's updates are written in one batch at most this often"),
  MAX_MESSAGE_BYTES: wholeNumber(16 * 1024 * 1024, 1024).describe('largest accepted frame (larger: close 1009)'),
  MAX_SOCKETS_PER_IP: wholeNumber(64, 1).describe('concurrent sockets per client (more: HTTP 429)'),
  AUTH_QUEUE_MAX_MESSAGES: wholeNumber(32, 1).describe('frames a client may send before its auth completes'),
  AUTH_QUEUE_MAX_BYTES: wholeNumber(256 * 1024, 1024).describe('bytes of frames a client may queue while its auth completes'),
  AUTH_FRAME_MAX_BYTES: wholeNumber(16 * 1024, 256).describe('largest auth frame, refused before it is parsed'),
  COMPACT_AFTER_UPDATES: wholeNumber(500, 2).describe("persist batches after which a room's log is folded into its snapshot"),
  AWARENESS_FLUSH_MS: wholeNumber(33, 1).describe('cursor and presence changes are relayed at most this often'),
  RATE_MESSAGES_PER_SEC: wholeNumber(300, 1).describe('sustained messages per second a socket may send'),
  RATE_BYTES_PER_SEC: wholeNumber(4 * 1024 * 1024, 1024).describe('sustained bytes per second a socket may send'),
  CONNECTIONS_PER_SEC_PER_IP: wholeNumber(20, 1).describe('new sockets per second per client (more: HTTP 429)'),
  AUTH_FAILURES_PER_MIN_PER_IP: wholeNumber(30, 1).describe('failed auths per minute after which a client gets HTTP 429'),
  MAX_PEERS_PER_ROOM: wholeNumber(256, 1).describe('sockets per room (more: close 1013)'),
  MAX_DOC_BYTES: wholeNumber(64 * 1024 * 1024, 1024).describe("size a room's document may reach; a larger update is refused (close 1009)"),
  MAX_BUFFERED_BYTES: wholeNumber(64 * 1024 * 1024, 1024).describe('a socket whose unsent data passes this is dropped'),
  AWARENESS_MAX_BYTES: wholeNumber(16 * 1024, 64).describe('largest awareness state of one client'),
  AWARENESS_MAX_CLIENTS: wholeNumber(8, 1).describe('awareness client ids one socket may announce'),
  VERSION_IDLE_MS: wholeNumber(120_000, 10).describe('an automatic version is saved once a room has been quiet this long after edits'),
  VERSION_EVERY_MS: wholeNumber(600_000, 10).describe('during continuous editing, an automatic version at least this often'),
  VERSION_RETENTION_DAYS: wholeNumber(30, 1).describe('every version is kept this long, then one per day (named versions until deleted)'),
  TRASH_RETENTION_DAYS: wholeNumber(30, 1).describe('a board in the trash is deleted for good this many days after it was trashed'),
  SYNC_INTERNAL_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional()
    .describe("the sync server's HTTP address as the app reaches it (version history: saving and restoring); unset: http://127.0.0.1:SYNC_PORT"),
  SHUTDOWN_TIMEOUT_MS: wholeNumber(5_000, 100).describe('how long a graceful stop waits for the final flush'),
  METRICS_HOST: z.string().default('127.0.0.1').describe('interface of the Prometheus /metrics endpoint'),
  METRICS_PORT: port(9464).describe('port of /metrics (0: a free one)'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe('cross-instance fan-out through Redis; unset: a single instance'),
  REDIS_PREFIX: z.string().default('wb:').describe('prefix of the Redis channels'),
  TLS_CERT_FILE: z.string().optional().describe('PEM certificate; with TLS_KEY_FILE the sync server speaks https/wss'),
  TLS_KEY_FILE: z.string().optional().describe('PEM key; with TLS_CERT_FILE the sync server speaks https/wss'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level of the sync server'),
})

type Variable = keyof typeof variables.shape

/** The variables the sync server reads. */
export const SYNC_SERVER_VARIABLES = [
  'AUTH_SECRET',
  'DATABASE_URL',
  'PORT',
  'SYNC_HOST',
  'SYNC_PORT',
  'ALLOWED_ORIGINS',
  'TRUST_PROXY_HOPS',
  'HEARTBEAT_MS',
  'AUTH_TIMEOUT_MS',
  'PERSIST_INTERVAL_MS',
  'MAX_MESSAGE_BYTES',
  'MAX_SOCKETS_PER_IP',
  'AUTH_QUEUE_MAX_MESSAGES',
  'AUTH_QUEUE_MAX_BYTES',
  'AUTH_FRAME_MAX_BYTES',
  'COMPACT_AFTER_UPDATES',
  'AWARENESS_FLUSH_MS',
  'RATE_MESSAGES_PER_SEC',
  'RATE_BYTES_PER_SEC',
  'CONNECTIONS_PER_SEC_PER_IP',
  'AUTH_FAILURES_PER_MIN_PER_IP',
  'MAX_PEERS_PER_ROOM',
  'MAX_DOC_BYTES',
  'MAX_BUFFERED_BYTES',
  'AWARENESS_MAX_BYTES',
  'AWARENESS_MAX_CLIENTS',
  'SHUTDOWN_TIMEOUT_MS',
  'VERSION_IDLE_MS',
  'VERSION_EVERY_MS',
  'VERSION_RETENTION_DAYS',
  'TRASH_RETENTION_DAYS',
  'METRICS_HOST',
  'METRICS_PORT',
  'REDIS_URL',
  'REDIS_PREFIX',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'LOG_LEVEL',
] as const satisfies readonly Variable[]

/** The variables the Next.js app reads (NEXT_PUBLIC_TLDRAW_LICENSE_KEY aside: Next inlines it at build time). */
export const APP_VARIABLES = [
  'AUTH_SECRET',
  'DATABASE_URL',
  'PORT',
  'SYNC_PORT',
  'SYNC_PUBLIC_URL',
  'SYNC_INTERNAL_URL',
  'TRUST_PROXY_HOPS',
  'TOKEN_REQUESTS_PER_MIN',
  'UPLOADS_PER_MIN',
  'BOARDS_PER_MIN',
  'VERSIONS_PER_MIN',
  'INSECURE_COOKIES',
] as const satisfies readonly Variable[]

/** Each variable's one-line meaning, for tests and docs. */
export function describeVariable(name: Variable): string {
  return variables.shape[name].description ?? ''
}

export interface ServerConfig {
  host: string
  port: number
  databaseUrl: string
  authSecret: string
  /** Browser origins allowed to open a socket; a request without Origin (not a browser) is allowed. */
  allowedOrigins: string[]
  /** Ping interval; a socket that misses a pong is dropped, and other instances' presence expires after two. */
  heartbeatMs: number
  authTimeoutMs: number
  /** Pending updates are written at every multiple of this (one shared grid for all rooms). */
  persistIntervalMs: number
  /** Largest frame; the byte burst of the rate budget holds at least one (a big board's first sync). */
  maxMessageBytes: number
  maxSocketsPerIp: number
  /** Frames and bytes a socket may send before its auth is verified (queued, then replayed). */
  authQueueMaxMessages: number
  authQueueMaxBytes: number
  /** Largest auth frame; a larger one is refused before it is parsed. */
  authFrameMaxBytes: number
  /** Stored batches after which a room's log is folded into its snapshot. */
  compactAfterUpdates: number
  /** Awareness changes are gathered and relayed at most this often (cursors need no more than a display's refresh). */
  awarenessFlushMs: number
  /** Sustained messages and bytes per second a socket may send (bursts of two seconds' worth). */
  rateMessagesPerSec: number
  rateBytesPerSec: number
  connectionsPerSecPerIp: number
  authFailuresPerMinPerIp: number
  /**
   * Reverse proxies in front of the server that append to X-Forwarded-For: the client is the
   * address this many entries from the right (lib/clientAddress.ts); 0 = the TCP peer.
   */
  trustProxyHops: number
  maxPeersPerRoom: number
  /** Largest document, as its current content (server/room/documentSize.ts), an edit may leave (1009). */
  maxDocBytes: number
  /** A socket whose unsent data passes this is dropped: it stopped reading. */
  maxBufferedBytes: number
  /** Largest awareness state one client may announce, as JSON. */
  awarenessMaxBytes: number
  /** Most awareness client ids one socket may announce. */
  awarenessMaxClients: number
  shutdownTimeoutMs: number
  /** Automatic versions: after this long without edits, and at least this often while edits go on. */
  versionIdleMs: number
  versionEveryMs: number
  /** Versions older than this are thinned to one per day (named ones are kept). */
  versionRetentionDays: number
  /** Boards trashed longer ago than this are deleted (with everything they hold) by the sync server's maintenance. */
  trashRetentionDays: number
  /** Prometheus /metrics is served here only, not on the public port; port 0 picks a free one. */
  metricsHost: string
  metricsPort: number
  /** Cross-instance fan-out through Redis; null for a single instance. */
  redisUrl: string | null
  redisPrefix: string
  /** PEM files: when both are set the server speaks https/wss itself. */
  tls: { certFile: string; keyFile: string } | null
  logLevel: string
}

/** The Next.js app's configuration (route handlers, the server action, proxy.ts). */
export interface AppConfig {
  /** The app's port; app/_server/httpServer.mjs reads PORT itself before Next loads, and this validates it. */
  port: number
  authSecret: string
  databaseUrl: string
  /** SYNC_PUBLIC_URL without trailing slashes; null: the page's host on syncPort. */
  syncPublicUrl: string | null
  syncPort: number
  /** The sync server's HTTP address as the app reaches it (no trailing slash). */
  syncInternalUrl: string
  /** Requests per minute per client for each limited endpoint. */
  rateLimits: { token: number; upload: number; board: number; version: number }
  /** As for the sync server: proxies in front of the app that append to X-Forwarded-For. */
  trustProxyHops: number
  /** Leave Secure off the guest cookie in production (a plain-http deployment). */
  insecureCookies: boolean
}

/** Variables by name, as in process.env (tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>

/** One variable with a bad value, and what is wrong with it. */
export interface ConfigProblem {
  variable: string
  problem: string
}

/** A configuration that cannot be used; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid configuration: ${problems.map(({ variable, problem }) => `${variable}: ${problem}`).join('; ')}`)
    this.name = 'ConfigError'
  }
}

/** The pick mask of a list of variables. */
function maskOf<Name extends Variable>(names: readonly Name[]): Record<Name, true> {
  return Object.fromEntries(names.map((name) => [name, true])) as Record<Name, true>
}

const syncServerSchema = variables.pick(maskOf(SYNC_SERVER_VARIABLES))
const appSchema = variables.pick(maskOf(APP_VARIABLES))

/** Parses `env` with one view of the schema, an empty value counting as unset; throws ConfigError on any bad value. */
function parseVariables<Schema extends z.ZodObject>(schema: Schema, env: Environment): z.output<Schema> {
  const values = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, env[name] === '' ? undefined : env[name]]))
  const parsed = schema.safeParse(values)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), problem: issue.message })))
  }
  return parsed.data
}

/** Reads and validates the sync server's configuration once; a bad value names its variable. */
export function loadServerConfig(env: Environment = process.env): ServerConfig {
  const c = parseVariables(syncServerSchema, env)
  if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
    const missing = c.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'
    throw new ConfigError([{ variable: missing, problem: 'TLS_CERT_FILE and TLS_KEY_FILE must be set together' }])
  }
  return {
    host: c.SYNC_HOST,
    port: c.SYNC_PORT,
    databaseUrl: c.DATABASE_URL,
    authSecret: c.AUTH_SECRET,
    allowedOrigins: c.ALLOWED_ORIGINS?.length ? c.ALLOWED_ORIGINS : [`http://localhost:${c.PORT}`, `http://127.0.0.1:${c.PORT}`],
    heartbeatMs: c.HEARTBEAT_MS,
    authTimeoutMs: c.AUTH_TIMEOUT_MS,
    persistIntervalMs: c.PERSIST_INTERVAL_MS,
    maxMessageBytes: c.MAX_MESSAGE_BYTES,
    maxSocketsPerIp: c.MAX_SOCKETS_PER_IP,
    authQueueMaxMessages: c.AUTH_QUEUE_MAX_MESSAGES,
    authQueueMaxBytes: c.AUTH_QUEUE_MAX_BYTES,
    authFrameMaxBytes: c.AUTH_FRAME_MAX_BYTES,
    compactAfterUpdates: c.COMPACT_AFTER_UPDATES,
    awarenessFlushMs: c.AWARENESS_FLUSH_MS,
    rateMessagesPerSec: c.RATE_MESSAGES_PER_SEC,
    rateBytesPerSec: c.RATE_BYTES_PER_SEC,
    connectionsPerSecPerIp: c.CONNECTIONS_PER_SEC_PER_IP,
    authFailuresPerMinPerIp: c.AUTH_FAILURES_PER_MIN_PER_IP,
    trustProxyHops: c.TRUST_PROXY_HOPS,
    maxPeersPerRoom: c.MAX_PEERS_PER_ROOM,
    maxDocBytes: c.MAX_DOC_BYTES,
    maxBufferedBytes: c.MAX_BUFFERED_BYTES,
    awarenessMaxBytes: c.AWARENESS_MAX_BYTES,
    awarenessMaxClients: c.AWARENESS_MAX_CLIENTS,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    versionIdleMs: c.VERSION_IDLE_MS,
    versionEveryMs: c.VERSION_EVERY_MS,
    versionRetentionDays: c.VERSION_RETENTION_DAYS,
    trashRetentionDays: c.TRASH_RETENTION_DAYS,
    metricsHost: c.METRICS_HOST,
    metricsPort: c.METRICS_PORT,
    redisUrl: c.REDIS_URL ?? null,
    redisPrefix: c.REDIS_PREFIX,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE } : null,
    logLevel: c.LOG_LEVEL,
  }
}

/** Reads and validates DATABASE_URL alone (npm run setup, npm run db:migrate). */
export function loadDatabaseUrl(env: Environment = process.env): string {
  return parseVariables(variables.pick({ DATABASE_URL: true }), env).DATABASE_URL
}

/** Reads and validates the app's configuration; a bad value names its variable (see instrumentation.ts). */
export function loadAppConfig(env: Environment = process.env): AppConfig {
  const c = parseVariables(appSchema, env)
  return {
    port: c.PORT,
    authSecret: c.AUTH_SECRET,
    databaseUrl: c.DATABASE_URL,
    syncPublicUrl: c.SYNC_PUBLIC_URL ?? null,
    syncPort: c.SYNC_PORT,
    syncInternalUrl: c.SYNC_INTERNAL_URL ?? `http://127.0.0.1:${c.SYNC_PORT}`,
    rateLimits: { token: c.TOKEN_REQUESTS_PER_MIN, upload: c.UPLOADS_PER_MIN, board: c.BOARDS_PER_MIN, version: c.VERSIONS_PER_MIN },
    trustProxyHops: c.TRUST_PROXY_HOPS,
    insecureCookies: c.INSECURE_COOKIES,
  }
}
