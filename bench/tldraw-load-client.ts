/**
 * A load-generator client of tldraw's own sync server (bench/peers/tldraw-sync-server.mjs),
 * speaking its protocol (tldraw-sync-protocol.ts) with the same roles and measurements as the
 * Yjs clients: writers push new geo shapes carrying `meta.sentAt`, observers apply every patch
 * to their copy of the records and time shapes and cursors, plain clients only count.
 * The socket URL is `<base>/<room>?sessionId=<id>`.
 */
import { randomUUID } from 'node:crypto'
import { createTLSchema, InstancePresenceRecordType, type TLPageId, type TLUserId } from '@tldraw/tlschema'
import WebSocket from 'ws'
import { shapeRecord } from './client.ts'
import { MeasuredClient, now, type ClientProtocol, type LoadClient, type LoadClientOptions } from './load-client.ts'
import {
  applyRecordsDiff,
  connectMessage,
  diffFields,
  metaNumber,
  readServerFrame,
  TLDRAW_PING_INTERVAL_MS,
  type ClientMessage,
  type JsonRecord,
  type RecordsDiff,
} from './tldraw-sync-protocol.ts'

const SERIALIZED_SCHEMA = createTLSchema().serialize()
const PING = JSON.stringify({ type: 'ping' } satisfies ClientMessage)
const PRESENCE_PREFIX = 'instance_presence:'

export class TldrawLoadClient extends MeasuredClient implements LoadClient {
  readonly authenticated: Promise<void>
  readonly synced: Promise<void>
  readonly cursorClientId = Math.floor(Math.random() * 0x7fffffff)
  private cursorClock = 0
  private clientClock = 0
  private syncBytes = 0
  private closing = false
  private readonly ws: WebSocket
  private readonly pinger: NodeJS.Timeout
  /** Writers' and observers' copy of the document's records (plain clients keep none). */
  private readonly records: Map<string, JsonRecord> | null
  /** Observers: the sender's cursorClientId of each presence record, learnt from its first put. */
  private readonly presenceSenders = new Map<string, number>()
  private presence: JsonRecord | null = null

  constructor(private readonly options: LoadClientOptions) {
    super()
    this.records = options.role === 'plain' ? null : new Map()
    const url = `${options.baseUrl}/${encodeURIComponent(options.room)}?sessionId=${randomUUID()}`
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    let fail: (error: Error) => void = () => {}
    let markSynced: () => void = () => {}
    this.authenticated = new Promise((resolve) => {
      this.ws.once('open', () => {
        this.authenticatedAt = now()
        resolve()
      })
    })
    this.synced = new Promise((resolve, reject) => {
      markSynced = resolve
      fail = reject
    })
    this.synced.catch(() => {})
    this.ws.on('open', () => this.send(connectMessage(randomUUID(), SERIALIZED_SCHEMA)))
    this.ws.on('message', (data: Buffer) => {
      this.bytesIn += data.byteLength
      this.messagesIn++
      // A synced plain client only counts: parsing every broadcast's JSON would load the generator, not the server.
      if (this.syncedAt && !this.records) return
      for (const event of readServerFrame(data.toString())) {
        switch (event.kind) {
          case 'connected':
            this.syncBytes = data.byteLength
            if (this.records) applyRecordsDiff(this.records, event.diff)
            this.learnPresenceSenders(event.diff)
            if (!this.syncedAt) {
              this.syncedAt = now()
              markSynced()
            }
            break
          case 'patch':
            this.updatesIn++
            this.receivePatch(event.diff)
            break
          case 'refused':
            fail(new Error(`refused: ${event.reason}`))
            this.ws.close()
            break
          default:
        }
      }
    })
    this.ws.on('error', (error) => fail(error))
    this.ws.on('close', (code, reason) => {
      clearInterval(this.pinger)
      if (!this.closing) this.closedBy = { code, reason: reason.toString() }
      fail(new Error(`closed ${code} ${reason.toString()}`))
    })
    this.pinger = setInterval(() => {
      if (!this.isOpen) return
      this.bytesOut += PING.length
      this.ws.send(PING)
    }, TLDRAW_PING_INTERVAL_MS)
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  private learnPresenceSenders(diff: RecordsDiff): void {
    if (this.options.role !== 'observer') return
    for (const [id, op] of Object.entries(diff)) {
      if (!id.startsWith(PRESENCE_PREFIX) || op[0] !== 'put') continue
      const sender = Number(String(op[1].userId).slice('user:'.length))
      if (Number.isInteger(sender)) this.presenceSenders.set(id, sender)
    }
  }

  private receivePatch(diff: RecordsDiff): void {
    if (this.options.role !== 'observer') return
    const arrivedAt = now()
    applyRecordsDiff(this.records ?? new Map(), diff)
    this.learnPresenceSenders(diff)
    for (const [id, op] of Object.entries(diff)) {
      const sentAt = metaNumber(op, 'sentAt')
      if (sentAt === undefined) continue
      if (!id.startsWith(PRESENCE_PREFIX)) {
        this.options.onShapeLatency?.(arrivedAt - sentAt)
        continue
      }
      const sender = this.presenceSenders.get(id)
      const clock = metaNumber(op, 'clock')
      if (sender === undefined || clock === undefined || clock <= (this.cursorClocks.get(sender) ?? -1)) continue
      this.cursorClocks.set(sender, clock)
      this.options.onCursorLatency?.(arrivedAt - sentAt)
    }
  }

  private send(message: ClientMessage): void {
    if (!this.isOpen) return
    const text = JSON.stringify(message)
    this.bytesOut += Buffer.byteLength(text)
    this.ws.send(text)
  }

  writeShapes(ids: string[], n: number): void {
    if (!this.records) throw new Error('a plain client cannot write')
    const sentAt = now()
    const diff: RecordsDiff = {}
    ids.forEach((id, i) => {
      const record = shapeRecord(id, sentAt, n + i)
      this.records?.set(id, record)
      diff[id] = ['put', record]
    })
    this.send({ type: 'push', clientClock: ++this.clientClock, diff })
  }

  /** Pushes a patch of the fields that changed, as tldraw's client does for an updated record. */
  moveShapes(ids: string[], x: number, y: number): void {
    if (!this.records) throw new Error('a plain client cannot write')
    const diff: RecordsDiff = {}
    for (const id of ids) {
      const current = this.records.get(id)
      if (!current) continue
      const moved = { ...current, x, y }
      const patch = diffFields(current, moved)
      if (patch) diff[id] = ['patch', patch]
      this.records.set(id, moved)
    }
    this.send({ type: 'push', clientClock: ++this.clientClock, diff })
  }

  /** The first cursor puts this session's whole presence record; later ones patch what changed, as tldraw's client does. */
  sendCursor(x: number, y: number): void {
    const next: JsonRecord = { ...InstancePresenceRecordType.create({
      id: InstancePresenceRecordType.createId(String(this.cursorClientId)),
      userId: `user:${this.cursorClientId}` as TLUserId,
      userName: `bench ${this.cursorClientId}`,
      currentPageId: 'page:page' as TLPageId,
      cursor: { x, y, type: 'default', rotation: 0 },
      meta: { sentAt: now(), clock: ++this.cursorClock },
    }) }
    const patch = this.presence ? diffFields(this.presence, next) : null
    this.send({ type: 'push', clientClock: ++this.clientClock, presence: patch ? ['patch', patch] : ['put', next] })
    this.presence = next
  }

  get lastCursorClock(): number {
    return this.cursorClock
  }

  get shapeCount(): number {
    let shapes = 0
    for (const id of this.records?.keys() ?? []) if (id.startsWith('shape:')) shapes++
    return shapes
  }

  /** The document as the server sent it at connect (tldraw has no compact encoding of a whole document). */
  documentBytes(): number | null {
    return this.records ? this.syncBytes : null
  }

  close(): void {
    this.closing = true
    clearInterval(this.pinger)
    this.ws.close()
  }

  terminate(): void {
    this.closing = true
    clearInterval(this.pinger)
    this.ws.terminate()
  }
}

export const tldrawSyncProtocol: ClientProtocol = { open: (options) => new TldrawLoadClient(options) }
