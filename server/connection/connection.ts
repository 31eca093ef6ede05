import type { ServerConfig } from '../../lib/config.ts'
import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import type { WebSocket, RawData } from 'ws'
import { Close, PONG_FRAME, isSchemaNewer, type AuthOkMessage, type CloseReason, type PeerIdentity, type Scope, type SerializedSchemaVersions } from '../../lib/protocol.ts'
import { SERVER_SCHEMA } from '../room/validation.ts'
import { verifyRoomToken } from '../../lib/token.ts'
import type { Room, RoomPeer } from '../room/room.ts'
import { LinkRefusedError } from '../room/errors.ts'
import { expectedCloseReason } from './closeReasons.ts'
import { RateBudget, type RateLimits } from './limits.ts'
import type { RoomRegistry } from '../room/registry.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../http/metrics.ts'
import { SHARED_FRAME_MAX_BYTES, sharedFrame } from './frame.ts'

export interface ConnectionContext
  extends RateLimits,
    Pick<ServerConfig, 'authSecret' | 'authTimeoutMs' | 'heartbeatMs' | 'authQueueMaxMessages' | 'authQueueMaxBytes' | 'authFrameMaxBytes' | 'maxPeersPerRoom' | 'maxBufferedBytes'> {
  rooms: RoomRegistry
  /**
   * Raw bytes a socket may send until it is live. ws buffers a frame until it is complete, so
   * without this bound a socket could park most of MAX_MESSAGE_BYTES before auth.
   */
  preAuthMaxBytes: number
  /** Called when this socket fails auth, so the server can slow down that client address. */
  onAuthFailure: (ip: string) => void
  /** Called once the socket itself has closed. */
  onSocketClosed: (connection: Connection) => void
  metrics: Metrics
  log: Logger
}

const CONNECTION = Symbol('connection')
type TaggedSocket = WebSocket & { [CONNECTION]: Connection }
const connectionOf = (ws: WebSocket) => (ws as TaggedSocket)[CONNECTION]
type TaggedStream = Duplex & { [CONNECTION]: Connection }

type State = 'awaiting-auth' | 'authenticating' | 'joining' | 'live' | 'closed'

/**
 * One client socket through its lifecycle: awaiting-auth → authenticating → joining → live → closed.
 * Binary frames that arrive before the room is ready are queued in order (bounded) and
 * replayed after auth-ok; they are dropped if auth fails.
 */
export class Connection implements RoomPeer {
  readonly id = randomBytes(6).toString('base64url')
  user: PeerIdentity = { id: '', name: '', color: '' }
  scope: Scope = 'view'
  /** Set by the heartbeat: false until the socket answers the last ping. */
  alive = true
  private state: State = 'awaiting-auth'
  /** Frames that arrived during auth, made on the first one (most clients send their step 1 then). */
  private queue: { data: Buffer; isBinary: boolean }[] | null = null
  private queuedBytes = 0
  /** Raw bytes received on the socket while not yet live (counted from its 'data' events). */
  private preAuthBytes = 0
  private room: Room | null = null
  /** The room the link opens (Room.id), once resolved at auth. */
  roomId: string | null = null
  private authTimer: NodeJS.Timeout | null
  private childLog: Logger | null = null
  private readonly budget: RateBudget

  constructor(
    private readonly ws: WebSocket,
    /** The socket ws speaks on (from the upgrade): shared broadcast frames are written to it directly. */
    private readonly socket: Duplex,
    /**
     * The id in the socket's URL: the link it was opened with (a board's edit id or view id), which
     * its token names. A reset of that link, or the trash, closes the sockets opened with it.
     */
    readonly linkId: string,
    /** The client's per-IP limit key (lib/clientAddress.ts: IPv6 by /64, behind trusted proxies). */
    readonly ip: string,
    /** Shared by every connection of the server (one object, not one per socket). */
    private readonly context: ConnectionContext,
  ) {
    this.authTimer = setTimeout(() => this.close(Close.authTimeout), context.authTimeoutMs)
    this.budget = new RateBudget(context)
    // Listeners shared by every socket, finding their connection through the socket: four
    // closures per socket would cost more than one property.
    ;(ws as TaggedSocket)[CONNECTION] = this
    ws.on('message', Connection.onMessage)
    ws.on('pong', Connection.onPong)
    ws.on('close', Connection.onClose)
    ws.on('error', Connection.onError)
    // Counted on the raw socket, not on ws's messages: a frame still arriving is already held in memory.
    ;(socket as TaggedStream)[CONNECTION] = this
    socket.on('data', Connection.onPreAuthData)
  }

  /** A logger with this socket's room and id, made on first use: most sockets never log. */
  private get log(): Logger {
    this.childLog ??= this.context.log.child({ room: this.linkId, conn: this.id })
    return this.childLog
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount
  }

  get isLive(): boolean {
    return this.state === 'live'
  }

  get isClosed(): boolean {
    return this.state === 'closed'
  }

  send(data: Uint8Array | string): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    if (this.ws.bufferedAmount > this.context.maxBufferedBytes) {
      // The client stopped reading; a close frame would wait behind the unread data.
      this.log.warn({ buffered: this.ws.bufferedAmount }, 'send buffer full; dropping socket')
      this.context.metrics.closes.inc({ code: 'send-buffer-full' })
      this.terminate()
      return
    }
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
    // A small binary message (a document or awareness update) sent to several sockets in a row is
    // framed once for all of them (server/connection/frame.ts). Text frames (presence, acks) go through ws:
    // written as shared frames they cost memory per idle socket (idle-capacity benchmark: 116k
    // against 152k sockets per GiB; the cause was not pinned down). Writing the frame to the
    // socket keeps the order of ws's own frames only while ws queues none: frame.ts names that ws
    // assumption and its canary (syncServer.ts turns permessage-deflate off; no Blob is ever sent).
    const frame = typeof data !== 'string' && bytes <= SHARED_FRAME_MAX_BYTES ? sharedFrame(data) : null
    if (frame) this.socket.write(frame)
    else this.ws.send(data)
    const traffic = this.context.metrics.traffic
    traffic.messagesOut++
    traffic.bytesOut += bytes
  }

  /** Sends a WebSocket ping; a socket that did not answer the previous one is terminated. */
  heartbeat(): void {
    if (!this.alive) {
      this.log.info('no pong; terminating')
      this.ws.terminate()
      return
    }
    this.alive = false
    this.ws.ping()
  }

  /**
   * Ends the connection with a documented close code. The connection picks the codes of its own
   * checks here; the errors thrown by the token check and the room are mapped in closeReasons.ts.
   */
  close(reason: CloseReason): void {
    if (this.state === 'closed') return
    this.context.metrics.closes.inc({ code: String(reason.code) })
    const authFailed = reason.code === 1008 && this.state !== 'live' && this.state !== 'joining'
    if (authFailed) {
      this.context.metrics.authFailures.inc({ reason: reason.reason })
      this.context.onAuthFailure(this.ip)
    }
    this.log.info({ code: reason.code, reason: reason.reason }, 'closing')
    this.ws.close(reason.code, reason.reason)
    // A socket that failed auth gets its close frame but no wait for the answer: ws would keep it
    // (and whatever it buffered) for 30 s if the client never sends one.
    if (authFailed) endAfterWrites(this.socket)
    this.closed()
  }

  /** Terminates the socket without a close handshake (shutdown already said 1001 or the peer is gone). */
  terminate(): void {
    this.ws.terminate()
    this.closed()
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return
    const traffic = this.context.metrics.traffic
    traffic.messagesIn++
    traffic.bytesIn += data.byteLength
    if (!this.budget.take(data.byteLength, this.context)) {
      this.close(Close.rateLimited)
      return
    }
    try {
      switch (this.state) {
        case 'awaiting-auth':
          this.startAuth(data, isBinary)
          return
        case 'authenticating':
        case 'joining':
          this.enqueue(data, isBinary)
          return
        case 'live':
          this.receiveLive(data, isBinary)
          return
      }
    } catch (error) {
      this.end(error)
    }
  }

  private startAuth(data: Buffer, isBinary: boolean): void {
    // Before JSON.parse and jose: a 15 MiB token would stall every room for half a second.
    if (data.byteLength > this.context.authFrameMaxBytes) {
      this.close(Close.authFrameTooLarge)
      return
    }
    const auth = isBinary ? null : readAuth(data)
    if (auth === null) {
      this.close(Close.authRequired)
      return
    }
    this.state = 'authenticating'
    void this.authenticate(auth.token, readSchema(auth.schema))
  }

  private async authenticate(token: string, schema: SerializedSchemaVersions | null): Promise<void> {
    let verified
    try {
      verified = await verifyRoomToken(token, this.context.authSecret, this.linkId)
    } catch (error) {
      this.end(error)
      return
    }
    if (this.state === 'closed') return
    this.clearAuthTimer()
    if (schema && isSchemaNewer(schema, SERVER_SCHEMA)) {
      this.close(Close.schemaTooNew)
      return
    }
    this.user = verified.user
    this.scope = verified.scope
    this.state = 'joining'
    let roomId: string
    try {
      roomId = await this.context.rooms.resolve(this.linkId, this.scope)
    } catch (error) {
      if (error instanceof LinkRefusedError) this.end(error)
      else this.roomLoadFailed(error)
      return
    }
    if ((this.state as State) === 'closed') return
    this.roomId = roomId
    let room: Room
    try {
      room = await this.context.rooms.acquire(roomId)
    } catch (error) {
      this.roomLoadFailed(error)
      return
    }
    // The socket may have gone away while the room was loading.
    if ((this.state as State) === 'closed') {
      void this.context.rooms.evictIfIdle(room)
      return
    }
    if (room.peers.size >= this.context.maxPeersPerRoom) {
      this.close(Close.roomFull)
      void this.context.rooms.evictIfIdle(room)
      return
    }
    const authOk: AuthOkMessage = {
      type: 'auth-ok',
      room: this.linkId,
      scope: this.scope,
      user: this.user,
      heartbeatMs: this.context.heartbeatMs,
      ping: true,
    }
    this.send(JSON.stringify(authOk))
    this.room = room
    this.state = 'live'
    this.stopCountingPreAuthBytes()
    // Only when debug is on: the child logger costs ~0.3 KB per socket for as long as it lives.
    if (this.context.log.isLevelEnabled('debug')) this.log.debug({ user: this.user.id, scope: this.scope }, 'joined')
    room.join(this)
    const queued = this.queue ?? []
    this.queue = null
    this.queuedBytes = 0
    try {
      for (const frame of queued) {
        if (this.state !== 'live') return
        this.receiveLive(frame.data, frame.isBinary)
      }
    } catch (error) {
      this.end(error)
    }
  }

  private roomLoadFailed(error: unknown): void {
    this.context.metrics.roomLoadFailures.inc()
    this.log.error({ err: error }, 'room load failed')
    this.close(Close.roomUnavailable)
  }

  private enqueue(data: Buffer, isBinary: boolean): void {
    this.queuedBytes += data.byteLength
    this.queue ??= []
    if (this.queue.length >= this.context.authQueueMaxMessages || this.queuedBytes > this.context.authQueueMaxBytes) {
      this.close(Close.authQueueFull)
      return
    }
    this.queue.push({ data, isBinary })
  }

  private receiveLive(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      if (isPing(data)) this.send(PONG_FRAME)
      else this.close(isJson(data) ? Close.unsupportedText : Close.invalidText)
      return
    }
    // A bad frame throws a domain error (closeReasons.ts); any other error is the room's own failure, which end() logs and closes with 1011.
    ;(this.room as Room).receive(this, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  }

  /** Stops the auth deadline and lets its timer go (an idle live socket keeps no timer). */
  private clearAuthTimer(): void {
    if (this.authTimer) clearTimeout(this.authTimer)
    this.authTimer = null
  }

  private stopCountingPreAuthBytes(): void {
    this.socket.off('data', Connection.onPreAuthData)
  }

  /** Closes with the code closeReasons.ts maps the error to; an unexpected error is logged, counted and closed with 1011. */
  end(error: unknown): void {
    const reason = expectedCloseReason(error)
    if (reason) {
      this.close(reason)
      return
    }
    this.log.error({ err: error }, 'internal error')
    this.context.metrics.internalErrors.inc()
    this.close(Close.internal)
  }

  private closed(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.clearAuthTimer()
    this.stopCountingPreAuthBytes()
    this.queue = null
    if (this.room) {
      this.room.leave(this)
      this.room = null
    }
  }

  // The socket's listeners (`this` is the socket).
  private static onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    connectionOf(this).receive(toBuffer(data), isBinary)
  }

  // The raw socket's listener while the connection is not live (`this` is the socket).
  private static onPreAuthData(this: Duplex, chunk: Buffer): void {
    const connection = (this as TaggedStream)[CONNECTION]
    connection.preAuthBytes += chunk.byteLength
    if (connection.preAuthBytes > connection.context.preAuthMaxBytes) connection.close(Close.preAuthTooLarge)
  }

  private static onPong(this: WebSocket): void {
    connectionOf(this).alive = true
  }

  private static onClose(this: WebSocket): void {
    const connection = connectionOf(this)
    connection.closed()
    connection.context.onSocketClosed(connection)
  }

  private static onError(this: WebSocket, error: Error): void {
    // ws closes the socket itself for protocol errors (1007 bad UTF-8, 1009 too big); record why.
    const code = (error as { code?: string }).code
    connectionOf(this).log.info({ err: error.message, code }, 'socket error')
  }
}

/** Ends the socket once what was written to it (a close frame) is flushed, then destroys it. */
function endAfterWrites(socket: Duplex): void {
  socket.end()
  if (socket.writableFinished) socket.destroy()
  else socket.once('finish', () => socket.destroy())
}

/** The auth message of a text frame, or null if the frame is not one. */
function readAuth(data: Buffer): { token: string; schema?: unknown } | null {
  let message: unknown
  try {
    message = JSON.parse(data.toString('utf8'))
  } catch {
    return null
  }
  const auth = message as { type?: unknown; token?: unknown; schema?: unknown } | null
  if (typeof auth !== 'object' || auth === null || auth.type !== 'auth' || typeof auth.token !== 'string') return null
  return auth as { token: string; schema?: unknown }
}

/** A client's liveness probe, `{"type":"ping"}` (lib/protocol.ts); any other text is not one. */
function isPing(data: Buffer): boolean {
  if (data.byteLength > 64) return false
  try {
    const message = JSON.parse(data.toString('utf8')) as { type?: unknown } | null
    return typeof message === 'object' && message !== null && message.type === 'ping'
  } catch {
    return false
  }
}

function isJson(data: Buffer): boolean {
  try {
    JSON.parse(data.toString('utf8'))
    return true
  } catch {
    return false
  }
}

/** The optional schema of an auth frame, if it has the expected shape. */
function readSchema(value: unknown): SerializedSchemaVersions | null {
  if (typeof value !== 'object' || value === null) return null
  const { schemaVersion, sequences } = value as { schemaVersion?: unknown; sequences?: unknown }
  if (typeof schemaVersion !== 'number' || typeof sequences !== 'object' || sequences === null) return null
  const versions: Record<string, number> = {}
  for (const [id, version] of Object.entries(sequences)) if (typeof version === 'number') versions[id] = version
  return { schemaVersion, sequences: versions }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
