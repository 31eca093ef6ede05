/**
 * One simulated client of the benchmark. The scenarios see the `LoadClient` interface; each
 * server kind has a `ClientProtocol` that opens clients speaking its protocol: the Yjs servers
 * one `YjsLoadClient` with that server's dialect (dialects.ts), tldraw's sync server its own
 * client (tldraw-load-client.ts).
 * Roles keep thousands of clients cheap on one core: `plain` clients hold no document and only
 * count what arrives; `writer`s make updates; `observer`s apply every update to their copy of
 * the document and measure latency from the send time embedded in each shape or cursor.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import {
  EMPTY_STATE_VECTOR,
  EMPTY_UPDATE,
  SyncStep,
  encodeAwarenessFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  readAwarenessEntries,
  writeAwarenessEntries,
  type WireFrame,
} from '../lib/wire.ts'
import { shapeRecord } from './client.ts'
import type { Dialect } from './dialects.ts'

export type ClientRole = 'plain' | 'writer' | 'observer'

export interface LoadClientOptions {
  baseUrl: string
  room: string
  token: string
  role: ClientRole
  onShapeLatency?: (ms: number) => void
  onCursorLatency?: (ms: number) => void
}

/** What the scenarios do with a client, whatever protocol it speaks. */
export interface LoadClient {
  readonly openedAt: number
  authenticatedAt: number
  syncedAt: number
  bytesIn: number
  /** Payload bytes this client sent (WebSocket frame headers not counted). */
  bytesOut: number
  messagesIn: number
  updatesIn: number
  /** Cursor states received: sender's `cursorClientId` → highest clock seen. */
  readonly cursorClocks: Map<number, number>
  closedBy: { code: number; reason: string } | null
  readonly authenticated: Promise<void>
  readonly synced: Promise<void>
  readonly isOpen: boolean
  /** Adds shape records (valid tldraw geo shapes carrying `meta.sentAt`) in one update. */
  writeShapes(ids: string[], n: number): void
  /** Moves shapes this client holds to (x, y) in one update, as a drag frame of tldraw's would change them. */
  moveShapes(ids: string[], x: number, y: number): void
  /** Sends this client's cursor, carrying its send time. */
  sendCursor(x: number, y: number): void
  readonly cursorClientId: number
  readonly lastCursorClock: number
  /** Number of shape records in this client's copy of the document (0 for plain clients). */
  readonly shapeCount: number
  /** Size of this client's copy of the document as its protocol encodes it, null for plain clients. */
  documentBytes(): number | null
  close(): void
  terminate(): void
}

/** How the generator speaks to one kind of server. */
export interface ClientProtocol {
  open(options: LoadClientOptions): LoadClient
}

/** A Yjs server speaking y-websocket messages in the given dialect. */
export function yjsClientProtocol(dialect: Dialect): ClientProtocol {
  return { open: (options) => new YjsLoadClient(dialect, options) }
}

/** A cursor as the generator sends it in its awareness state. */
interface CursorState {
  cursor?: { x: number; y: number; sentAt: number }
}

/** Transaction origin of updates applied from live `update` messages (not the initial sync). */
const LIVE = Symbol('live update')

export function now(): number {
  return performance.timeOrigin + performance.now()
}

/** The figures every client keeps, whatever protocol it speaks (see LoadClient). */
export abstract class MeasuredClient {
  readonly openedAt = now()
  authenticatedAt = 0
  syncedAt = 0
  bytesIn = 0
  bytesOut = 0
  messagesIn = 0
  updatesIn = 0
  readonly cursorClocks = new Map<number, number>()
  closedBy: { code: number; reason: string } | null = null
}

export class YjsLoadClient extends MeasuredClient implements LoadClient {
  readonly doc: Y.Doc | null
  readonly authenticated: Promise<void>
  readonly synced: Promise<void>
  private readonly ws: WebSocket
  private closing = false
  private awarenessClock = 0
  private readonly awarenessClientId = Math.floor(Math.random() * 0x7fffffff)

  constructor(
    private readonly dialect: Dialect,
    private readonly options: LoadClientOptions,
  ) {
    super()
    const { role } = options
    this.doc = role === 'plain' ? null : new Y.Doc()
    this.ws = new WebSocket(dialect.url(options.baseUrl, options.room), { perMessageDeflate: false })
    this.ws.binaryType = 'nodebuffer'
    let authenticate: () => void = () => {}
    let markSynced: () => void = () => {}
    let fail: (error: Error) => void = () => {}
    this.authenticated = new Promise((resolve, reject) => {
      authenticate = resolve
      fail = reject
    })
    this.synced = new Promise((resolve, reject) => {
      markSynced = resolve
      const previousFail = fail
      fail = (error) => {
        previousFail(error)
        reject(error)
      }
    })
    // Whoever awaits only one of the two promises must not see an unhandled rejection.
    this.authenticated.catch(() => {})
    this.synced.catch(() => {})

    this.ws.on('open', () => {
      for (const frame of dialect.openingFrames(options.room, options.token)) {
        this.bytesOut += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength
        this.ws.send(frame)
      }
      if (dialect.authenticatedOnOpen) {
        this.authenticatedAt = now()
        authenticate()
      }
      this.send(encodeSyncStep1(this.doc ? Y.encodeStateVector(this.doc) : EMPTY_STATE_VECTOR))
    })
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.bytesIn += data.byteLength
      this.messagesIn++
      const frame = dialect.read(data, isBinary)
      switch (frame.kind) {
        case 'authenticated':
          this.authenticatedAt = now()
          authenticate()
          return
        case 'refused':
          fail(new Error(`refused: ${frame.reason}`))
          this.ws.close()
          return
        case 'message':
          if (frame.message.type === 'sync') {
            if (this.receiveSync(frame.message)) markSynced()
          } else if (frame.message.type === 'awareness' && role === 'observer') this.receiveAwareness(frame.message.update)
          return
        default:
      }
    })
    this.ws.on('error', (error) => fail(error))
    this.ws.on('close', (code, reason) => {
      if (!this.closing) this.closedBy = { code, reason: reason.toString() }
      fail(new Error(`closed ${code} ${reason.toString()}`))
    })

    if (role === 'observer' && this.doc) {
      this.doc.getMap<{ meta?: { sentAt?: number } }>(BOARD_RECORDS_MAP).observe((event) => {
        if (event.transaction.origin !== LIVE || !options.onShapeLatency) return
        const arrivedAt = now()
        for (const key of event.keysChanged) {
          const sentAt = event.target.get(key)?.meta?.sentAt
          if (typeof sentAt === 'number') options.onShapeLatency(arrivedAt - sentAt)
        }
      })
    }
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  /** Handles a sync message; returns true when it was the server's step 2 (we are synced). */
  private receiveSync({ step, payload }: Extract<WireFrame, { type: 'sync' }>): boolean {
    if (step === SyncStep.step1) {
      // The server's state vector: answer with what it lacks (a plain client has nothing).
      this.send(encodeSyncStep2(this.doc ? Y.encodeStateAsUpdate(this.doc, payload) : EMPTY_UPDATE))
      return false
    }
    if (step === SyncStep.step2) {
      // Synced when the server's answer has arrived; applying it is the client's own work.
      const first = !this.syncedAt
      if (first) this.syncedAt = now()
      if (this.doc) Y.applyUpdate(this.doc, payload, 'initial sync')
      return first
    }
    // Before the step 2, updates are the first parts of a large initial sync (our server splits it).
    if (!this.syncedAt) {
      if (this.doc) Y.applyUpdate(this.doc, payload, 'initial sync')
      return false
    }
    this.updatesIn++
    if (this.options.role === 'observer' && this.doc) Y.applyUpdate(this.doc, payload, LIVE)
    return false
  }

  /** Reads an awareness update: entries of client id, clock and JSON state. */
  private receiveAwareness(update: Uint8Array): void {
    const arrivedAt = now()
    for (const { clientId, clock, json } of readAwarenessEntries(update)) {
      if (clientId === this.awarenessClientId) continue
      const previous = this.cursorClocks.get(clientId) ?? -1
      if (clock <= previous) continue
      this.cursorClocks.set(clientId, clock)
      const sentAt = (JSON.parse(json) as CursorState | null)?.cursor?.sentAt
      if (typeof sentAt === 'number') this.options.onCursorLatency?.(arrivedAt - sentAt)
    }
  }

  private send(message: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    const frame = this.dialect.frame(this.options.room, message)
    this.bytesOut += frame.byteLength
    this.ws.send(frame)
  }

  /** Runs `change` in one transaction and sends its update as a provider would. */
  private sendTransaction(change: (records: Y.Map<unknown>) => void): void {
    if (!this.doc) throw new Error('a plain client cannot write')
    const doc = this.doc
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    doc.once('update', capture)
    doc.transact(() => change(doc.getMap(BOARD_RECORDS_MAP)))
    doc.off('update', capture)
    if (update) this.send(encodeSyncUpdate(update))
  }

  /** Writes shape records in one transaction and sends the update as a provider would. */
  writeShapes(ids: string[], n: number): void {
    const sentAt = now()
    this.sendTransaction((records) => ids.forEach((id, i) => records.set(id, shapeRecord(id, sentAt, n + i))))
  }

  /** Writes each moved record whole into the map, as the app's binding (lib/client/binding.ts) does. */
  moveShapes(ids: string[], x: number, y: number): void {
    this.sendTransaction((records) => {
      for (const id of ids) {
        const current = records.get(id)
        if (current && typeof current === 'object') records.set(id, { ...current, x, y })
      }
    })
  }


  /** Sends this client's cursor as an awareness update carrying its send time. */
  sendCursor(x: number, y: number): void {
    const state: CursorState = { cursor: { x, y, sentAt: now() } }
    const update = writeAwarenessEntries([{ clientId: this.awarenessClientId, clock: ++this.awarenessClock, json: JSON.stringify(state) }])
    this.send(encodeAwarenessFrame(update))
  }

  get cursorClientId(): number {
    return this.awarenessClientId
  }

  get lastCursorClock(): number {
    return this.awarenessClock
  }

  get shapeCount(): number {
    return this.doc ? this.doc.getMap(BOARD_RECORDS_MAP).size : 0
  }

  documentBytes(): number | null {
    return this.doc ? Y.encodeStateAsUpdate(this.doc).byteLength : null
  }

  close(): void {
    this.closing = true
    this.ws.close()
  }

  terminate(): void {
    this.closing = true
    this.ws.terminate()
  }
}
