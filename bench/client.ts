/**
 * A light load-generator client that speaks the wire protocol directly over `ws`:
 * the auth-first frame, then y-websocket sync and awareness.
 * Observers apply every update to a real Y.Doc and measure latency from the writer's
 * send timestamp (embedded in the value); plain clients only count bytes.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import { SyncStep, decodeFrame, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '../lib/wire.ts'
import { geoShapeRecord } from '../lib/shapeRecord.ts'

export interface BenchClientOptions {
  url: string
  room: string
  token: string
  origin?: string
  /** Apply updates to a Y.Doc and record latencies (true) or only count bytes (false). */
  observe: boolean
  onLatency?: (ms: number) => void
}

/** A valid tldraw geo shape record (the server validates records) carrying the writer's send time. */
export function shapeRecord(id: string, sentAt: number, n: number) {
  return geoShapeRecord(id, { x: (n * 37) % 1000, y: (n * 53) % 800, meta: { sentAt } })
}

export class BenchClient {
  readonly doc = new Y.Doc()
  bytesIn = 0
  messagesIn = 0
  synced = false
  closed: { code: number; reason: string } | null = null
  private ws: WebSocket
  readonly ready: Promise<void>

  constructor(private readonly options: BenchClientOptions) {
    this.ws = new WebSocket(`${options.url}/${options.room}`, { headers: options.origin ? { origin: options.origin } : {}, perMessageDeflate: false })
    this.ws.binaryType = 'nodebuffer'
    this.ready = new Promise((resolve, reject) => {
      this.ws.once('error', reject)
      this.ws.on('message', (data: Buffer, isBinary) => {
        this.bytesIn += data.byteLength
        this.messagesIn++
        if (!isBinary) {
          if (data.toString().includes('"auth-ok"')) resolve()
          return
        }
        this.receive(data)
      })
    })
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }))
    this.ws.on('error', () => {})
    this.ws.once('open', () => {
      this.ws.send(JSON.stringify({ type: 'auth', token: options.token }))
      this.ws.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    })
    if (options.observe && options.onLatency) {
      const onLatency = options.onLatency
      this.doc.getMap<{ meta?: { sentAt?: number } }>(BOARD_RECORDS_MAP).observe((event) => {
        if (event.transaction.local) return
        const now = performance.timeOrigin + performance.now()
        for (const key of event.keysChanged) {
          const sentAt = event.target.get(key)?.meta?.sentAt
          if (typeof sentAt === 'number') onLatency(now - sentAt)
        }
      })
    }
  }

  private receive(data: Buffer): void {
    const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    if (frame.type !== 'sync') return
    if (frame.step === SyncStep.step1) {
      // Answer the server's step 1 so it knows what we have (nothing it lacks).
      this.ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, frame.payload)))
      return
    }
    if (frame.step === SyncStep.step2) this.synced = true
    if (this.options.observe || frame.step === SyncStep.step2) Y.applyUpdate(this.doc, frame.payload, this)
  }

  /** Writes one shape record; the update goes to the server as the provider would send it. */
  writeShape(id: string, n: number): void {
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    this.doc.once('update', capture)
    this.doc.getMap(BOARD_RECORDS_MAP).set(id, shapeRecord(id, performance.timeOrigin + performance.now(), n))
    if (!update) return
    this.ws.send(encodeSyncUpdate(update))
  }

  close(): void {
    this.ws.close()
  }
}
