/**
 * Shared pieces of the sync server's integration tests: a real server (in-process or as a
 * child process) on an ephemeral port with a temporary SQLite database, and real clients.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import net from 'node:net'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { vi } from 'vitest'
import { WebsocketProvider } from 'y-websocket'
import { createAuthSocketClass, type SocketConstructor } from '../../lib/client/authSocket.ts'
import { EMPTY_STATE_VECTOR, SyncStep, decodeFrame, encodeSyncStep1 } from '../../lib/wire.ts'
import { BOARD_RECORDS_MAP, type ServerControlMessage, type PresenceMessage, type Scope } from '../../lib/protocol.ts'
import { loadServerConfig } from '../../lib/config.ts'
import { signRoomToken } from '../../lib/token.ts'
import { createDatabase, providerOf, type Database } from '../../lib/db/client.ts'
import { migrateDatabase } from '../../lib/db/migrate.ts'
import pg from 'pg'
import { createSyncServer, type SyncServer, type SyncServerConfig } from '../http/syncServer.ts'
import { PrismaRoomStore } from '../storage/prismaRoomStore.ts'
import type { BoardRows, RoomLinks, SyncStorage, VersionStore } from '../storage/roomStore.ts'
import { createLogger } from '../log.ts'
import { geoShapeRecord } from '../../lib/shapeRecord.ts'
import { spawnSyncServer, type SyncServerProcess } from '../tools/cluster.ts'

/** A store's version methods, bound: for test stores that wrap another store and change only its log's methods. */
export function versionMethodsOf(store: VersionStore): VersionStore {
  return {
    saveVersion: store.saveVersion.bind(store),
    recordEditors: store.recordEditors.bind(store),
    listVersions: store.listVersions.bind(store),
    readVersion: store.readVersion.bind(store),
    thinVersions: store.thinVersions.bind(store),
  }
}

/** A store's link and board-row methods, bound: for test stores that wrap another store and change only its log's methods. */
export function boardMethodsOf(store: RoomLinks & BoardRows): RoomLinks & BoardRows {
  return {
    resolveLink: store.resolveLink.bind(store),
    roomExists: store.roomExists.bind(store),
    setRoomName: store.setRoomName.bind(store),
    purgeTrashedRooms: store.purgeTrashedRooms.bind(store),
  }
}

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789'
export const TEST_ORIGIN = 'http://localhost:3000'

/**
 * The tests' one polling wait: vitest's `vi.waitUntil`, failing with what was awaited (`message`)
 * instead of its bare "Timed out in waitUntil!". Only inside vitest (tools use bench/stats.ts).
 */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, message = 'condition', timeoutMs = 10_000): Promise<void> {
  try {
    await vi.waitUntil(predicate, { timeout: timeoutMs, interval: 10 })
  } catch (error) {
    if (error instanceof Error && error.message === 'Timed out in waitUntil!') throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`)
    throw error
  }
}

/**
 * A temporary, migrated database: SQLite in a temporary folder, or a fresh PostgreSQL database
 * on 127.0.0.1:5432 when TEST_DATABASE_PROVIDER=postgresql. `remove()` deletes it.
 */
export async function createTempDatabase(
  provider = process.env.TEST_DATABASE_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite',
): Promise<{ url: string; dir: string; remove: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-test-'))
  if (provider === 'postgresql') {
    const name = `wb_test_${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '').toLowerCase()}`
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = POSTGRES_ADMIN_URL.replace(/\/postgres$/, `/${name}`)
    await migrateDatabase(url)
    return {
      url,
      dir,
      remove: async () => {
        rmSync(dir, { recursive: true, force: true })
        const cleanup = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
        await cleanup.connect()
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await cleanup.end()
      },
    }
  }
  const url = `file:${path.join(dir, 'test.db')}`
  await migrateDatabase(url)
  return { url, dir, remove: async () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Makes a temporary database refuse the server until the returned function is called, as a dead
 * disk or a database restart would. SQLite: another connection holds the write lock (writes fail
 * with SQLITE_BUSY); PostgreSQL: the database stops accepting connections and the open ones are
 * terminated (writes and health pings fail).
 */
export async function makeDatabaseUnavailable(databaseUrl: string): Promise<() => Promise<void>> {
  if (providerOf(databaseUrl) === 'sqlite') {
    const BetterSqlite3 = (await import('better-sqlite3')).default
    const sqlite = new BetterSqlite3(databaseUrl.replace(/^file:/, ''))
    sqlite.pragma('busy_timeout = 0')
    sqlite.exec('BEGIN EXCLUSIVE')
    return async () => {
      sqlite.exec('COMMIT')
      sqlite.close()
    }
  }
  const name = new URL(databaseUrl).pathname.slice(1)
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`)
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
  return async () => {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`)
    await admin.end()
  }
}

/** The PostgreSQL server the tests use (trust auth on loopback). */
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export function testConfig(overrides: Partial<SyncServerConfig> = {}): SyncServerConfig {
  // The production defaults (lib/config.ts), with what tests need instead: ephemeral ports, short
  // intervals, and limits high enough that only the tests of the limits meet them.
  const { databaseUrl: _databaseUrl, redisUrl: _redisUrl, redisPrefix: _redisPrefix, tls: _tls, logLevel: _logLevel, ...defaults } = loadServerConfig({ AUTH_SECRET: TEST_SECRET })
  return {
    ...defaults,
    port: 0,
    metricsPort: 0,
    allowedOrigins: [TEST_ORIGIN],
    authTimeoutMs: 2_000,
    persistIntervalMs: 50,
    awarenessFlushMs: 10,
    maxMessageBytes: 1024 * 1024,
    maxSocketsPerIp: 200,
    rateMessagesPerSec: 100_000,
    rateBytesPerSec: 100 * 1024 * 1024,
    connectionsPerSecPerIp: 100_000,
    authFailuresPerMinPerIp: 100_000,
    maxPeersPerRoom: 1_000,
    ...overrides,
  }
}

export interface TestServer {
  server: SyncServer
  url: string
  port: number
  /** Where the server's Prometheus metrics are served (their own loopback port). */
  metricsUrl: string
  db: Database
  store: SyncStorage
  stop: () => Promise<void>
}

/** Starts the sync server in this process on an ephemeral port over `databaseUrl`. */
export async function startServer(databaseUrl: string, overrides: Partial<SyncServerConfig> = {}, store?: SyncStorage): Promise<TestServer> {
  const db = await createDatabase(databaseUrl)
  const roomStore = store ?? new PrismaRoomStore(db, providerOf(databaseUrl))
  const server = createSyncServer(testConfig(overrides), roomStore, createLogger('silent'))
  const port = await server.listen()
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${server.metricsPort}/metrics`,
    db,
    store: roomStore,
    stop: async () => {
      await server.close()
      await db.$disconnect()
    },
  }
}

export type ServerProcess = SyncServerProcess & { url: string; metricsUrl: string }

/** The Prometheus text a server serves at `metricsUrl`. */
export async function scrapeMetrics(server: { metricsUrl: string }): Promise<string> {
  const response = await fetch(server.metricsUrl)
  if (!response.ok) throw new Error(`metrics: HTTP ${response.status}`)
  return response.text()
}

/** Starts the sync server's production bundle (what `npm start` runs) as a child process, as an operator would. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'wb-proc-'))
  const started = await spawnSyncServer(
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SYNC_PORT: '0',
      METRICS_PORT: '0',
      AUTH_SECRET: TEST_SECRET,
      ALLOWED_ORIGINS: TEST_ORIGIN,
      LOG_LEVEL: 'info',
      CONNECTIONS_PER_SEC_PER_IP: '100000',
      NODE_ENV: 'test',
      ...env,
    },
    cwd,
  ).catch((error: Error) => {
    rmSync(cwd, { recursive: true, force: true })
    throw error
  })
  const exited = started.exited.then((code) => {
    rmSync(cwd, { recursive: true, force: true })
    return code
  })
  return { ...started, exited, url: `ws://127.0.0.1:${started.port}`, metricsUrl: `http://127.0.0.1:${started.metricsPort}/metrics` }
}

export function tokenFor(room: string, options: { sub?: string; name?: string; color?: string; scope?: Scope; ttl?: number; secret?: string } = {}): Promise<string> {
  return signRoomToken(
    { sub: options.sub ?? 'user-1', name: options.name ?? 'Ada', color: options.color, room, scope: options.scope ?? 'edit' },
    options.secret ?? TEST_SECRET,
    options.ttl ?? 300,
  )
}

export type RawMessage = string | Uint8Array

export interface RawClient {
  ws: WebSocket
  messages: RawMessage[]
  closed: Promise<{ code: number; reason: string }>
  opened: Promise<void>
  controls(): ServerControlMessage[]
  /** The first message, received already or later, that `match` accepts; rejects if the socket closes first. */
  received<T extends RawMessage>(match: (message: RawMessage) => message is T): Promise<T>
  received(match: (message: RawMessage) => boolean): Promise<RawMessage>
}

/** A plain `ws` client for protocol edge cases; records every frame it receives. */
export function rawClient(url: string, room: string, headers: Record<string, string> = { origin: TEST_ORIGIN }): RawClient {
  const ws = new WebSocket(`${url}/${room}`, { headers })
  const messages: RawMessage[] = []
  const waiters = new Set<(message: RawMessage) => void>()
  ws.on('message', (data, isBinary) => {
    const buffer = data as Buffer
    const message = isBinary ? new Uint8Array(buffer) : buffer.toString('utf8')
    messages.push(message)
    for (const waiter of waiters) waiter(message)
  })
  ws.on('error', () => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    closed,
    opened,
    controls: () =>
      messages.filter((m): m is string => typeof m === 'string').map((m) => JSON.parse(m) as ServerControlMessage),
    received: (match: (message: RawMessage) => boolean) =>
      new Promise<RawMessage>((resolve, reject) => {
        const found = messages.find(match)
        if (found !== undefined) return resolve(found)
        const waiter = (message: RawMessage) => {
          if (!match(message)) return
          waiters.delete(waiter)
          resolve(message)
        }
        waiters.add(waiter)
        void closed.then(({ code, reason }) => {
          if (waiters.delete(waiter)) reject(new Error(`closed with ${code} (${reason}) before the awaited message`))
        })
      }),
  }
}

/** Whether a message is the control message `type` (a text frame). */
export const isControl = (type: ServerControlMessage['type']) => (message: RawMessage): message is string =>
  typeof message === 'string' && (JSON.parse(message) as ServerControlMessage).type === type

/** Whether a message is a sync frame of `step` (any step when omitted). */
export const isSync = (step?: SyncStep) => (message: RawMessage): message is Uint8Array => {
  if (typeof message === 'string') return false
  const frame = decodeFrame(message)
  return frame.type === 'sync' && (step === undefined || frame.step === step)
}

/** Whether a message is an awareness frame. */
export const isAwareness = (message: RawMessage): message is Uint8Array => typeof message !== 'string' && decodeFrame(message).type === 'awareness'

/** Opens a raw client and authenticates it; resolves after auth-ok. */
export async function authedRawClient(url: string, room: string, token: string): Promise<RawClient> {
  const client = rawClient(url, room)
  await client.opened
  client.ws.send(JSON.stringify({ type: 'auth', token }))
  await client.received(isControl('auth-ok'))
  return client
}

/** The HTTP status an upgrade request gets (101 when it is accepted). */
export function upgradeStatus(url: string, headers: Record<string, string> = { origin: TEST_ORIGIN }): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', () => {})
  })
}

export interface ProviderClient {
  doc: Y.Doc
  provider: WebsocketProvider
  controls: ServerControlMessage[]
  /** What the socket wrapper reported on each `saved` frame: were all sent updates stored? */
  savedStates: boolean[]
  lastPresence(): PresenceMessage | undefined
  destroy(): void
}

/**
 * A y-websocket WebsocketProvider in Node, through the same auth-first socket wrapper the
 * browser uses. A fresh token is signed for every (re)connection.
 */
export function providerClient(
  url: string,
  room: string,
  options: { sub?: string; name?: string; scope?: Scope; doc?: Y.Doc; origin?: string; getToken?: () => Promise<string> } = {},
): ProviderClient {
  const savedStates: boolean[] = []
  const doc = options.doc ?? new Y.Doc()
  const controls: ServerControlMessage[] = []
  const origin = options.origin ?? TEST_ORIGIN
  class NodeSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { origin } })
    }
  }
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: createAuthSocketClass({
      getToken: options.getToken ?? (() => tokenFor(room, { sub: options.sub, name: options.name, scope: options.scope })),
      onControl: (message) => controls.push(message),
      onSaved: (allSentAreStored) => savedStates.push(allSentAreStored),
      WebSocketImpl: NodeSocket as unknown as SocketConstructor,
    }) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  })
  return {
    doc,
    provider,
    controls,
    savedStates,
    lastPresence: () => controls.filter((m): m is PresenceMessage => m.type === 'presence').at(-1),
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

/** How many of a client's update frames the server has acknowledged as stored. */
export function savedThrough(client: ProviderClient): number {
  return Math.max(0, ...client.controls.map((m) => (m.type === 'saved' ? m.through : 0)))
}

/**
 * Writes several WebSocket frames to the server in one TCP write, so the server parses them
 * all in one go, before any asynchronous step (such as token verification) can finish.
 */
export function sendFramesAtOnce(client: RawClient, frames: (string | Uint8Array)[]): void {
  const encoded = frames.map((frame) => {
    const payload = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : Buffer.from(frame)
    return Buffer.concat([wsFrameHeader(typeof frame === 'string' ? 0x1 : 0x2, payload.length), payload])
  })
  const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket
  socket.write(Buffer.concat(encoded))
}

/**
 * The header of a final client frame (`opcode` 0x1 text, 0x2 binary) announcing `length` payload
 * bytes, with a zero masking key, so the payload that follows is written as it is.
 */
export function wsFrameHeader(opcode: number, length: number): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8
  const header = Buffer.alloc(2 + lengthBytes + 4)
  header[0] = 0x80 | opcode
  header[1] = 0x80 | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127)
  if (lengthBytes === 2) header.writeUInt16BE(length, 2)
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2)
  return header
}

export interface UpgradedSocket {
  socket: net.Socket
  /** Resolves once the server has closed the TCP connection. */
  ended: Promise<void>
  /** The close frame the server sent after the upgrade, if any. */
  closeFrame(): { code: number; reason: string } | null
}

/**
 * A WebSocket upgraded by hand on a plain TCP socket: it sends only what the test writes (frames
 * from `wsFrameHeader`) and never answers a close frame, as a hostile or vanished client would.
 */
export function upgradedSocket(port: number, room: string, headers: Record<string, string> = {}): Promise<UpgradedSocket> {
  return new Promise((resolve, reject) => {
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /${room} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      )
    })
    let received = Buffer.alloc(0)
    let upgraded = false
    const ended = new Promise<void>((resolveEnded) => socket.once('close', () => resolveEnded()))
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (upgraded) return
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      const status = received.subarray(0, received.indexOf('\r\n')).toString('latin1')
      if (!status.startsWith('HTTP/1.1 101')) return reject(new Error(status))
      upgraded = true
      received = received.subarray(end + 4)
      resolve({ socket, ended, closeFrame: () => closeFrameIn(received) })
    })
  })
}

/** The first close frame in a stream of unmasked server frames. */
function closeFrameIn(frames: Buffer): { code: number; reason: string } | null {
  let offset = 0
  while (offset + 2 <= frames.length) {
    const opcode = frames[offset] & 0x0f
    let length = frames[offset + 1] & 0x7f
    let start = offset + 2
    if (length === 126) {
      length = frames.readUInt16BE(offset + 2)
      start += 2
    } else if (length === 127) {
      length = Number(frames.readBigUInt64BE(offset + 2))
      start += 8
    }
    if (start + length > frames.length) return null
    if (opcode === 0x8) return { code: frames.readUInt16BE(start), reason: frames.subarray(start + 2, start + length).toString('utf8') }
    offset = start + length
  }
  return null
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** A valid tldraw geo shape record with id `id`; test data goes into `meta`. */
export function shape(id: string, meta: Record<string, Json> = {}) {
  return geoShapeRecord(id, { meta })
}

export type ShapeRecord = ReturnType<typeof shape>

/** The document as the database holds it (snapshot + log), read through a fresh store. */
export async function storedDoc(databaseUrl: string, room: string): Promise<Y.Doc> {
  const db = await createDatabase(databaseUrl)
  try {
    const stored = await new PrismaRoomStore(db, providerOf(databaseUrl)).load(room)
    const doc = new Y.Doc()
    for (const update of stored.updates) Y.applyUpdate(doc, update)
    return doc
  } finally {
    await db.$disconnect()
  }
}

/** A free TCP port on 127.0.0.1 (for a server that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** The board's records map of a Y.Doc. */
export function boardRecords(doc: Y.Doc): Y.Map<ShapeRecord> {
  return doc.getMap<ShapeRecord>(BOARD_RECORDS_MAP)
}

/**
 * Joins `room` as a new client (an empty state vector) and reads the server's answer: the bytes
 * of every sync part up to and including the step 2, how long they took from the auth frame,
 * and the document they make up.
 */
export async function firstSync(url: string, room: string): Promise<{ bytes: number; ms: number; doc: Y.Doc }> {
  const client = rawClient(url, room)
  await client.opened
  const started = performance.now()
  client.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor(room, { sub: 'first-sync' }) }))
  client.ws.send(encodeSyncStep1(EMPTY_STATE_VECTOR))
  await client.received(isSync(SyncStep.step2))
  const ms = performance.now() - started
  const doc = new Y.Doc()
  let bytes = 0
  for (const message of client.messages) {
    if (typeof message === 'string') continue
    const frame = decodeFrame(message)
    if (frame.type !== 'sync' || frame.step === SyncStep.step1) continue
    bytes += message.byteLength
    Y.applyUpdate(doc, frame.payload)
  }
  client.ws.terminate()
  return { bytes, ms, doc }
}
