import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { Close, isValidRoomId } from '../../lib/protocol.ts'
import type { ServerConfig } from '../../lib/config.ts'
import { Connection, type ConnectionContext } from '../connection/connection.ts'
import { RoomRegistry } from '../room/registry.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { isInternalPath, serveInternal } from './internalEndpoints.ts'
import { RevocationRelay, type Revocation } from '../fanout/linkRevocations.ts'
import { TrashPurge } from '../storage/trashPurge.ts'
import { WindowCounter } from '../../lib/windowCounter.ts'
import { clientAddress, rateLimitKey } from '../../lib/clientAddress.ts'
import type { PubSub } from '../fanout/pubSub.ts'
import type { SyncStorage } from '../storage/roomStore.ts'
import type { Logger } from '../log.ts'

/** The configuration the sync server runs on: all of it but what server/index.ts uses to build its store, fan-out, TLS and logger. */
export type SyncServerConfig = Omit<ServerConfig, 'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'tls' | 'logLevel'>

export interface TlsCredentials {
  cert: Buffer
  key: Buffer
}

export interface SyncServer {
  /** Starts listening (sockets and health, and metrics on their own port); resolves with the bound port (useful with port 0). */
  listen(): Promise<number>
  /** The port /metrics is served on once listening (METRICS_PORT, or the one picked for port 0). */
  readonly metricsPort: number | null
  /** Graceful stop: refuse new sockets, close the open ones with 1001, flush every room. */
  close(): Promise<void>
  readonly metrics: Metrics
  readonly rooms: RoomRegistry
  readonly connections: ReadonlySet<Connection>
  /** Deletes the rooms trashed more than TRASH_RETENTION_DAYS ago now (maintenance also runs it hourly); resolves with how many. */
  purgeTrash(): Promise<number>
}

const HEALTH_TIMEOUT_MS = 2_000
/** How long shutdown waits for clients to answer the 1001 close before dropping them. */
const CLOSE_GRACE_MS = 1_000
/** Room for frame headers, pings and the close frame on top of the auth frame and queue before auth. */
const PRE_AUTH_FRAMING_BYTES = 16 * 1024

/** The sync server: WebSocket rooms and health on one port, metrics on another (loopback by default). */
export interface SyncServerExtras {
  /** Serve https/wss with these credentials. */
  tls?: TlsCredentials
  /** Fan rooms out to other instances (REDIS_URL). */
  pubsub?: PubSub
}

export function createSyncServer(config: SyncServerConfig, store: SyncStorage, log: Logger, { tls, pubsub }: SyncServerExtras = {}): SyncServer {
  const metrics = createMetrics()
  // Rooms and connections take their settings from the config by name, not field by field.
  const rooms = new RoomRegistry({ ...config, store, metrics, log, pubsub: pubsub ?? null })
  // After a broker outage, every room asks the other instances for what it missed.
  pubsub?.onReconnect(() => {
    for (const room of rooms.rooms()) room.link?.requestState()
  })
  const connections = new Set<Connection>()
  /**
   * Closes this instance's sockets of a revocation. Every connection is looked at, those still
   * authenticating too: a socket whose link was resolved just before the reset is closed as well.
   */
  const closeRevoked = ({ roomId, linkIds, reason }: Revocation): number => {
    const links = new Set(linkIds)
    const close = reason === 'board deleted' ? Close.boardDeleted : Close.linkRevoked
    let closed = 0
    for (const connection of connections) {
      if (connection.isClosed) continue
      const opened = links.has(connection.linkId)
      // Until auth has resolved its room, a socket's link id is all there is to go by.
      const inRoom = connection.roomId === null ? opened : connection.roomId === roomId
      if (!inRoom || (reason === 'link revoked' && !opened)) continue
      connection.close(close)
      closed++
    }
    return closed
  }
  const revocations = new RevocationRelay(pubsub ?? null, closeRevoked)
  const trashPurge = new TrashPurge(store, config.trashRetentionDays, log)
  /** Resolves the shutdown's wait once the last socket has closed. */
  let onAllClosed: (() => void) | null = null
  /** Waits until every socket has closed, or `ms` have passed. */
  const allClosedWithin = (ms: number) =>
    new Promise<void>((resolve) => {
      if (connections.size === 0) return resolve()
      const done = () => {
        clearTimeout(timer)
        onAllClosed = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      onAllClosed = done
    })
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
    if (isInternalPath(path)) {
      if (shuttingDown) return void res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'server shutting down' }))
      void serveInternal(req, res, path, { rooms, store, authSecret: config.authSecret, log, revoke: (revocation) => revocations.revoke(revocation) })
      return
    }
    notFound(res)
  }
  const httpServer = tls ? https.createServer({ cert: tls.cert, key: tls.key }, serveHttp) : http.createServer(serveHttp)

  // Metrics name rooms' load and the server's traffic: for operators only, so not on the public port.
  const metricsServer = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') return notFound(res)
    metrics.sockets.set(connections.size)
    void metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType })
      res.end(text)
    })
  })
  let metricsPort: number | null = null

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
    ...config,
    rooms,
    preAuthMaxBytes: config.authFrameMaxBytes + config.authQueueMaxBytes + PRE_AUTH_FRAMING_BYTES,
    onAuthFailure: (ip) => authFailures.add(ip),
    onSocketClosed: (connection) => {
      connections.delete(connection)
      metrics.sockets.set(connections.size)
      if (connections.size === 0) onAllClosed?.()
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
    const ip = limitKeyOf(req)
    wss.handleUpgrade(req, socket, head, (ws) => {
      socketsPerIp.set(ip, (socketsPerIp.get(ip) ?? 0) + 1)
      connections.add(new Connection(ws, socket, roomId, ip, connectionContext))
      metrics.sockets.set(connections.size)
    })
  })

  /** The key every per-IP limit counts under: the client behind TRUST_PROXY_HOPS proxies, IPv6 by /64. */
  function limitKeyOf(req: http.IncomingMessage): string {
    const forwardedFor = req.headers['x-forwarded-for']
    const realIp = req.headers['x-real-ip']
    return rateLimitKey(
      clientAddress(
        req.socket.remoteAddress,
        { forwardedFor: Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor, realIp: Array.isArray(realIp) ? null : realIp },
        config.trustProxyHops,
      ),
    )
  }

  function checkUpgrade(req: http.IncomingMessage): { status: number; message: string } | null {
    if (shuttingDown) return { status: 503, message: 'server shutting down' }
    if (!isValidRoomId(roomIdOf(req.url))) return { status: 400, message: 'invalid room id' }
    const origin = req.headers.origin
    // Browsers always send Origin; a client without one is not a browser page and still needs a token.
    if (origin !== undefined && !allowedOrigins.has(origin)) return { status: 403, message: 'origin not allowed' }
    const ip = limitKeyOf(req)
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
    get metricsPort() {
      return metricsPort
    },
    purgeTrash: () => trashPurge.run(),
    async listen() {
      metricsPort = await listenOn(metricsServer, config.metricsPort, config.metricsHost)
      const port = await listenOn(httpServer, config.port, config.host)
      trashPurge.start()
      return port
    },
    async close() {
      if (shuttingDown) return
      shuttingDown = true
      clearInterval(heartbeatTimer)
      await trashPurge.stop()
      const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      for (const connection of connections) connection.close(Close.shuttingDown)
      try {
        await withTimeout(rooms.flushAll(), config.shutdownTimeoutMs)
      } catch (error) {
        log.error({ err: error }, 'shutdown flush incomplete')
      }
      await allClosedWithin(CLOSE_GRACE_MS)
      for (const connection of connections) connection.terminate()
      rooms.destroyAll()
      revocations.close()
      await pubsub?.close()
      httpServer.closeAllConnections()
      metricsServer.closeAllConnections()
      await httpClosed
      if (metricsServer.listening) await new Promise((resolve) => metricsServer.close(resolve))
      wss.close()
    },
  }
}

/** Listens on `port` (0: any free port); resolves with the bound port. */
function listenOn(server: http.Server | https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' })
  res.end('not found')
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

