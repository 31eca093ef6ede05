import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { Close, isValidRoomId } from '../lib/protocol.ts'
import type { ServerConfig } from '../lib/config.ts'
import { Connection, type ConnectionContext } from './connection.ts'
import { RoomRegistry } from './rooms.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { WindowCounter } from '../lib/windowCounter.ts'
import type { PubSub } from './fanout.ts'
import type { RoomStore } from './persistence.ts'
import type { Logger } from './log.ts'

export type SyncServerConfig = Pick<
  ServerConfig,
  | 'host'
  | 'port'
  | 'authSecret'
  | 'allowedOrigins'
  | 'heartbeatMs'
  | 'authTimeoutMs'
  | 'persistIntervalMs'
  | 'maxMessageBytes'
  | 'maxSocketsPerIp'
  | 'authQueueMaxMessages'
  | 'authQueueMaxBytes'
  | 'compactAfterUpdates'
  | 'awarenessFlushMs'
  | 'rateMessagesPerSec'
  | 'rateBytesPerSec'
  | 'connectionsPerSecPerIp'
  | 'authFailuresPerMinPerIp'
  | 'maxPeersPerRoom'
  | 'maxDocBytes'
  | 'maxBufferedBytes'
  | 'awarenessMaxBytes'
  | 'awarenessMaxClients'
  | 'shutdownTimeoutMs'
>

export interface TlsCredentials {
  cert: Buffer
  key: Buffer
}

export interface SyncServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>
  /** Graceful stop: refuse new sockets, close the open ones with 1001, flush every room. */
  close(): Promise<void>
  readonly metrics: Metrics
  readonly rooms: RoomRegistry
  readonly connections: ReadonlySet<Connection>
}

const HEALTH_TIMEOUT_MS = 2_000
/** How long shutdown waits for clients to answer the 1001 close before dropping them. */
const CLOSE_GRACE_MS = 1_000

/** The sync server: HTTP (health, metrics) and WebSocket rooms on one port. */
export interface SyncServerExtras {
  /** Serve https/wss with these credentials. */
  tls?: TlsCredentials
  /** Fan rooms out to other instances (REDIS_URL). */
  pubsub?: PubSub
}

export function createSyncServer(config: SyncServerConfig, store: RoomStore, log: Logger, { tls, pubsub }: SyncServerExtras = {}): SyncServer {
  const metrics = createMetrics()
  const rooms = new RoomRegistry({
    store,
    persistIntervalMs: config.persistIntervalMs,
    compactAfterUpdates: config.compactAfterUpdates,
    awarenessFlushMs: config.awarenessFlushMs,
    maxDocBytes: config.maxDocBytes,
    awarenessMaxBytes: config.awarenessMaxBytes,
    awarenessMaxClients: config.awarenessMaxClients,
    metrics,
    log,
    pubsub: pubsub ?? null,
    heartbeatMs: config.heartbeatMs,
  })
  // After a broker outage, every room asks the other instances for what it missed.
  pubsub?.onReconnect(() => {
    for (const room of rooms.rooms()) room.link?.requestState()
  })
  const connections = new Set<Connection>()
  const socketsPerIp = new Map<string, number>()
  const allowedOrigins = new Set(config.allowedOrigins)
  const newConnections = new WindowCounter(1_000)
  const authFailures = new WindowCounter(60_000)
  let shuttingDown = false

  // No permessage-deflate: Connection writes shared broadcast frames to the socket itself, which
  // keeps frame order only while ws never holds a frame back to compress it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false })

  const serveHttp: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/healthz') {
      void checkHealth().then((problem) => {
        res.writeHead(problem ? 503 : 200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(problem ? { status: 'unavailable', reason: problem } : { status: 'ok' }))
      })
      return
    }
    if (req.method === 'GET' && path === '/metrics') {
      metrics.sockets.set(connections.size)
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType })
        res.end(text)
      })
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
  }
  const httpServer = tls ? https.createServer({ cert: tls.cert, key: tls.key }, serveHttp) : http.createServer(serveHttp)

  async function checkHealth(): Promise<string | null> {
    if (shuttingDown) return 'shutting down'
    if (rooms.persistFailing) return 'database writes failing'
    try {
      await withTimeout(store.ping(), HEALTH_TIMEOUT_MS)
      return null
    } catch {
      return 'database unreachable'
    }
  }

  const connectionContext: ConnectionContext = {
    rooms,
    authSecret: config.authSecret,
    authTimeoutMs: config.authTimeoutMs,
    heartbeatMs: config.heartbeatMs,
    authQueueMaxMessages: config.authQueueMaxMessages,
    authQueueMaxBytes: config.authQueueMaxBytes,
    rateMessagesPerSec: config.rateMessagesPerSec,
    rateBytesPerSec: config.rateBytesPerSec,
    maxMessageBytes: config.maxMessageBytes,
    maxPeersPerRoom: config.maxPeersPerRoom,
    maxBufferedBytes: config.maxBufferedBytes,
    onAuthFailure: (ip) => authFailures.add(ip),
    onSocketClosed: (connection) => {
      connections.delete(connection)
      metrics.sockets.set(connections.size)
      const left = (socketsPerIp.get(connection.ip) ?? 1) - 1
      if (left > 0) socketsPerIp.set(connection.ip, left)
      else socketsPerIp.delete(connection.ip)
    },
    metrics,
    log,
  }

  httpServer.on('upgrade', (req, socket, head) => {
    const refusal = checkUpgrade(req)
    if (refusal) {
      metrics.upgradesRefused.inc({ status: String(refusal.status) })
      refuseUpgrade(socket, refusal.status, refusal.message)
      return
    }
    const roomId = roomIdOf(req.url)
    const ip = req.socket.remoteAddress ?? 'unknown'
    wss.handleUpgrade(req, socket, head, (ws) => {
      socketsPerIp.set(ip, (socketsPerIp.get(ip) ?? 0) + 1)
      connections.add(new Connection(ws, socket, roomId, ip, connectionContext))
      metrics.sockets.set(connections.size)
    })
  })

  function checkUpgrade(req: http.IncomingMessage): { status: number; message: string } | null {
    if (shuttingDown) return { status: 503, message: 'server shutting down' }
    if (!isValidRoomId(roomIdOf(req.url))) return { status: 400, message: 'invalid room id' }
    const origin = req.headers.origin
    // Browsers always send Origin; a client without one is not a browser page and still needs a token.
    if (origin !== undefined && !allowedOrigins.has(origin)) return { status: 403, message: 'origin not allowed' }
    const ip = req.socket.remoteAddress ?? 'unknown'
    if ((socketsPerIp.get(ip) ?? 0) >= config.maxSocketsPerIp) return { status: 429, message: 'too many connections' }
    if (authFailures.count(ip) >= config.authFailuresPerMinPerIp) return { status: 429, message: 'too many failed auths' }
    if (newConnections.add(ip) > config.connectionsPerSecPerIp) return { status: 429, message: 'too many new connections' }
    return null
  }

  // Pings go out every HEARTBEAT_MS; presence goes out twice as often so that y-websocket's
  // 30 s no-traffic watchdog never fires for a client that is alone and idle.
  let tick = 0
  const heartbeatTimer = setInterval(() => {
    tick++
    if (tick % 2 === 0) for (const connection of connections) connection.heartbeat()
    newConnections.prune()
    authFailures.prune()
    for (const room of rooms.rooms()) room.announcePresence()
  }, Math.max(1, Math.floor(config.heartbeatMs / 2)))
  heartbeatTimer.unref()

  return {
    metrics,
    rooms,
    connections,
    listen() {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject)
          const address = httpServer.address()
          resolve(typeof address === 'object' && address ? address.port : config.port)
        })
      })
    },
    async close() {
      if (shuttingDown) return
      shuttingDown = true
      clearInterval(heartbeatTimer)
      const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      for (const connection of connections) connection.close(Close.shuttingDown)
      try {
        await withTimeout(rooms.flushAll(), config.shutdownTimeoutMs)
      } catch (error) {
        log.error({ err: error }, 'shutdown flush incomplete')
      }
      await waitFor(() => connections.size === 0, CLOSE_GRACE_MS)
      for (const connection of connections) connection.terminate()
      rooms.destroyAll()
      await pubsub?.close()
      httpServer.closeAllConnections()
      await httpClosed
      wss.close()
    },
  }
}

function roomIdOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0].slice(1)
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 429: 'Too Many Requests', 503: 'Service Unavailable' }

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  )
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
}
