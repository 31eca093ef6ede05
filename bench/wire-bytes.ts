/**
 * Bytes on the wire per drag frame (issue 18, part 4): one geo shape, then 50 shapes, moved at
 * 60 frames per second through our server and through tldraw's own sync server (memory), with
 * one writer and two observers; then, in process, what a leaner Yjs encoding of a record would
 * send (a prototype measurement only: the product's document format is unchanged).
 *
 *   npm run bench:wire
 *
 * Counted: WebSocket payload bytes (each frame adds a 2–4 byte header, and client frames a
 * 4 byte mask). Ours: the Yjs update the app's binding makes by writing the moved record whole
 * into the records map. tldraw: the push with a patch of x and y, and the patch it broadcasts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import { signRoomToken } from '../lib/token.ts'
import { encodeSyncUpdate } from '../lib/wire.ts'
import { shapeRecord } from './client.ts'
import type { LoadClient } from './load-client.ts'
import { BENCH_SECRET, SERVER_KINDS, startServer, type ServerName } from './servers.ts'
import { sleep, waitFor } from './stats.ts'

const FRAMES = 60
const FRAME_MS = 1000 / 60
const SHAPE_COUNTS = [1, 50]
const ROOM = 'wire'

interface LiveFigures {
  server: string
  shapes: number
  /** Writer → server, per frame. */
  sent: number
  /** Server → each observer, per frame (mean of the observers). */
  perObserver: number
  /** Server → the writer (acknowledgements), per frame. */
  toWriter: number
}

function totalBytes(clients: LoadClient[]): number {
  return clients.reduce((sum, client) => sum + client.bytesIn + client.bytesOut, 0)
}

/** Waits until no client has sent or received anything for 300 ms (at most 10 s). */
async function quiet(clients: LoadClient[]): Promise<void> {
  let last = -1
  let stableSince = Date.now()
  await waitFor(() => {
    const total = totalBytes(clients)
    if (total !== last) {
      last = total
      stableSince = Date.now()
    }
    return Date.now() - stableSince >= 300
  }, 10_000, 50)
}

async function measureLive(name: ServerName, shapes: number): Promise<LiveFigures> {
  const kind = SERVER_KINDS.find((candidate) => candidate.name === name)
  if (!kind) throw new Error(`unknown server ${name}`)
  const dir = mkdtempSync(path.join(os.tmpdir(), `wb-wire-${name}-`))
  const server = await startServer(kind, { dir })
  const open = async (user: string, role: 'writer' | 'observer') =>
    kind.protocol.open({
      baseUrl: server.baseUrl,
      room: ROOM,
      role,
      token: kind.needsRoomToken ? await signRoomToken({ sub: user, name: user, room: ROOM, scope: 'edit' }, BENCH_SECRET) : 'bench',
    })
  const clients: LoadClient[] = []
  try {
    const writer = await open('wire-writer', 'writer')
    const observers = [await open('wire-observer-1', 'observer'), await open('wire-observer-2', 'observer')]
    clients.push(writer, ...observers)
    await Promise.all(clients.map((client) => client.synced))
    const ids = Array.from({ length: shapes }, (_, i) => `shape:wire-${i}`)
    writer.writeShapes(ids, 0)
    if (!(await waitFor(() => observers.every((observer) => observer.shapeCount === shapes), 10_000))) throw new Error(`${name}: shapes did not arrive`)
    // A few frames first, so the measured ones are a drag in progress (ours: the first move of a record differs a little).
    for (let frame = 0; frame < 5; frame++) {
      writer.moveShapes(ids, 500 + frame, 500)
      await sleep(FRAME_MS)
    }
    await quiet(clients)
    const before = { sent: writer.bytesOut, toWriter: writer.bytesIn, observers: observers.map((observer) => observer.bytesIn) }
    for (let frame = 0; frame < FRAMES; frame++) {
      writer.moveShapes(ids, 100 + frame * 3, 200 + frame * 2)
      await sleep(FRAME_MS)
    }
    await quiet(clients)
    const perObserver = observers.reduce((sum, observer, i) => sum + observer.bytesIn - before.observers[i], 0) / observers.length
    return { server: kind.label, shapes, sent: (writer.bytesOut - before.sent) / FRAMES, perObserver: perObserver / FRAMES, toWriter: (writer.bytesIn - before.toWriter) / FRAMES }
  } finally {
    clients.forEach((client) => client.terminate())
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** How a board's records are laid out in the Y.Doc. */
interface RecordEncoding {
  label: string
  put(records: Y.Map<unknown>, record: ReturnType<typeof shapeRecord>): void
  move(records: Y.Map<unknown>, id: string, x: number, y: number): void
}

/** The product's format: each record one JSON value under its id (lib/client/binding.ts). */
const wholeRecord: RecordEncoding = {
  label: 'ours now: record whole in the map',
  put: (records, record) => records.set(record.id, record),
  move(records, id, x, y) {
    const current = records.get(id) as Record<string, unknown>
    records.set(id, { ...current, x, y })
  },
}

/** The prototype: each record a Y.Map of its top-level fields, `props` and `meta` nested Y.Maps; a move writes x and y only. */
const nestedMaps: RecordEncoding = {
  label: 'prototype: record as nested Y.Maps',
  put(records, record) {
    const fields = new Y.Map<unknown>()
    for (const [key, value] of Object.entries(record)) {
      if (key === 'props' || key === 'meta') fields.set(key, new Y.Map(Object.entries(value as Record<string, unknown>)))
      else fields.set(key, value)
    }
    records.set(record.id, fields)
  },
  move(records, id, x, y) {
    const fields = records.get(id) as Y.Map<unknown>
    fields.set('x', x)
    fields.set('y', y)
  },
}

interface EncodedFigures {
  encoding: string
  shapes: number
  /** The sync-update frame of one drag frame (what the writer sends; our server relays the same bytes). */
  frameBytes: number
  /** The same frames through permessage-deflate with its context kept between messages (ws's option, not enabled today). */
  deflatedFrameBytes: number
  /** The same with no context takeover: each message compressed on its own (one compression could then serve every socket). */
  deflatedAloneFrameBytes: number
  /** The whole document (Y.encodeStateAsUpdate) after the shapes were put, and after 100 frames of moving all of them. */
  documentBytes: number
  documentAfterMovesBytes: number
}

/** Each frame's size through one raw-deflate stream flushed after every frame, as permessage-deflate sends it. */
async function deflatedSizes(frames: Uint8Array[]): Promise<number[]> {
  const deflate = zlib.createDeflateRaw()
  let produced = 0
  deflate.on('data', (chunk: Buffer) => (produced += chunk.byteLength))
  const sizes: number[] = []
  for (const frame of frames) {
    const before = produced
    deflate.write(frame)
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()))
    // permessage-deflate leaves out the 4-byte tail (00 00 ff ff) of each flushed message.
    sizes.push(produced - before - 4)
  }
  deflate.end()
  return sizes
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

async function measureEncoding(encoding: RecordEncoding, shapes: number): Promise<EncodedFigures> {
  const doc = new Y.Doc()
  const records = doc.getMap<unknown>(BOARD_RECORDS_MAP)
  const ids = Array.from({ length: shapes }, (_, i) => `shape:wire-${i}`)
  doc.transact(() => ids.forEach((id, i) => encoding.put(records, shapeRecord(id, 0, i))))
  const documentBytes = Y.encodeStateAsUpdate(doc).byteLength
  const frames: Uint8Array[] = []
  const capture = (update: Uint8Array) => frames.push(encodeSyncUpdate(update))
  doc.on('update', capture)
  for (let frame = 0; frame < 100; frame++) doc.transact(() => ids.forEach((id) => encoding.move(records, id, 100 + frame * 3, 200 + frame * 2)))
  doc.off('update', capture)
  // The later frames: each replaces what an earlier frame wrote, as in a drag in progress.
  const deflated = (await deflatedSizes(frames)).slice(5)
  const steadyFrames = frames.slice(5)
  const deflatedAlone = steadyFrames.map((frame) => zlib.deflateRawSync(frame, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).byteLength - 4)
  return {
    encoding: encoding.label,
    shapes,
    frameBytes: mean(steadyFrames.map((frame) => frame.byteLength)),
    deflatedFrameBytes: mean(deflated),
    deflatedAloneFrameBytes: mean(deflatedAlone),
    documentBytes,
    documentAfterMovesBytes: Y.encodeStateAsUpdate(doc).byteLength,
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`)

const bytes = (value: number) => Math.round(value).toLocaleString('en-US')

function table(header: string[], rows: (string | number)[][]): string {
  return [header, header.map(() => '---'), ...rows.map((row) => row.map(String))].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

async function main(): Promise<void> {
  const live: LiveFigures[] = []
  for (const shapes of SHAPE_COUNTS) {
    for (const name of ['whiteboard', 'tldraw-sync'] as const) live.push(await measureLive(name, shapes))
  }
  const encoded: EncodedFigures[] = []
  for (const shapes of SHAPE_COUNTS) for (const encoding of [wholeRecord, nestedMaps]) encoded.push(await measureEncoding(encoding, shapes))
  print(`Live, ${FRAMES} drag frames at 60 Hz, 1 writer + 2 observers in one room, WebSocket payload bytes per frame:\n`)
  print(table(['shapes moved', 'server', 'writer → server', 'server → each observer', 'server → writer (acks)'], live.map((f) => [f.shapes, f.server, bytes(f.sent), bytes(f.perObserver), bytes(f.toWriter)])))
  print('\nIn process, Yjs encodings of the same drag (sync-update frame per drag frame; document = Y.encodeStateAsUpdate):\n')
  print(
    table(
      ['shapes', 'encoding', 'bytes per drag frame', 'permessage-deflate, context kept', 'permessage-deflate, no context takeover', 'document', 'document after 100 frames', 'growth per frame'],
      encoded.map((f) => [
        f.shapes,
        f.encoding,
        bytes(f.frameBytes),
        bytes(f.deflatedFrameBytes),
        bytes(f.deflatedAloneFrameBytes),
        bytes(f.documentBytes),
        bytes(f.documentAfterMovesBytes),
        bytes((f.documentAfterMovesBytes - f.documentBytes) / 100),
      ]),
    ),
  )
}

void main()
