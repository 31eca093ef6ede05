import { z } from 'zod'

/** Default embedded database: a SQLite file under ./data/, created and migrated at start. */
export const DEFAULT_DATABASE_URL = 'file:./data/whiteboard.db'

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback)

const serverSchema = z.object({
  SYNC_HOST: z.string().min(1).default('127.0.0.1'),
  SYNC_PORT: int(1234).pipe(z.number().max(65535)),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .default(DEFAULT_DATABASE_URL),
  AUTH_SECRET: z.string({ error: 'is required (npm run setup writes one into .env.local)' }).min(32, 'must be at least 32 characters'),
  ALLOWED_ORIGINS: z.string().optional(),
  PORT: int(3000).pipe(z.number().max(65535)),
  HEARTBEAT_MS: int(30_000, 50),
  AUTH_TIMEOUT_MS: int(10_000, 10),
  PERSIST_INTERVAL_MS: int(250, 1),
  MAX_MESSAGE_BYTES: int(16 * 1024 * 1024, 1024),
  MAX_SOCKETS_PER_IP: int(64, 1),
  AUTH_QUEUE_MAX_MESSAGES: int(32, 1),
  AUTH_QUEUE_MAX_BYTES: int(256 * 1024, 1024),
  AUTH_FRAME_MAX_BYTES: int(16 * 1024, 256),
  COMPACT_AFTER_UPDATES: int(500, 2),
  AWARENESS_FLUSH_MS: int(33, 1),
  RATE_MESSAGES_PER_SEC: int(300, 1),
  RATE_BYTES_PER_SEC: int(4 * 1024 * 1024, 1024),
  CONNECTIONS_PER_SEC_PER_IP: int(20, 1),
  AUTH_FAILURES_PER_MIN_PER_IP: int(30, 1),
  TRUST_PROXY_HOPS: int(0).pipe(z.number().max(16)),
  MAX_PEERS_PER_ROOM: int(256, 1),
  MAX_DOC_BYTES: int(64 * 1024 * 1024, 1024),
  MAX_BUFFERED_BYTES: int(64 * 1024 * 1024, 1024),
  AWARENESS_MAX_BYTES: int(16 * 1024, 64),
  AWARENESS_MAX_CLIENTS: int(8, 1),
  SHUTDOWN_TIMEOUT_MS: int(5_000, 100),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: int(9464).pipe(z.number().max(65535)),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  REDIS_PREFIX: z.string().min(1).default('wb:'),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export interface ServerConfig {
  host: string
  port: number
  databaseUrl: string
  authSecret: string
  /** Browser origins allowed to open a socket; a request without Origin (not a browser) is allowed. */
  allowedOrigins: string[]
  heartbeatMs: number
  authTimeoutMs: number
  persistIntervalMs: number
  maxMessageBytes: number
  maxSocketsPerIp: number
  authQueueMaxMessages: number
  authQueueMaxBytes: number
  /** Largest auth frame; a larger one is refused before it is parsed. */
  authFrameMaxBytes: number
  compactAfterUpdates: number
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
  /** Approximate stored size of a room's document past which updates are refused (1009). */
  maxDocBytes: number
  /** A socket whose unsent data passes this is dropped: it stopped reading. */
  maxBufferedBytes: number
  awarenessMaxBytes: number
  awarenessMaxClients: number
  shutdownTimeoutMs: number
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

export class ConfigError extends Error {}

/** Reads and validates the sync server's configuration once; a bad value names its variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = serverSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const c = parsed.data
  if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
    throw new ConfigError('invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE must be set together')
  }
  const allowedOrigins = c.ALLOWED_ORIGINS
    ? c.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)
    : [`http://localhost:${c.PORT}`, `http://127.0.0.1:${c.PORT}`]
  return {
    host: c.SYNC_HOST,
    port: c.SYNC_PORT,
    databaseUrl: c.DATABASE_URL,
    authSecret: c.AUTH_SECRET,
    allowedOrigins,
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
    metricsHost: c.METRICS_HOST,
    metricsPort: c.METRICS_PORT,
    redisUrl: c.REDIS_URL ?? null,
    redisPrefix: c.REDIS_PREFIX,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE } : null,
    logLevel: c.LOG_LEVEL,
  }
}
