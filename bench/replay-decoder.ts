/**
 * Does the decode-once replay path still pay? Times a room's per-update CPU (validateUpdate,
 * DocumentSize.fits, then the update applied inside DocumentSize.applyingRead, as Room does) two
 * ways: applied by replaying the values validation decoded (applyReadUpdate), and applied with a
 * plain Y.applyUpdate, which decodes every value a second time (and then DocumentSize measures
 * each record by encoding it again, since the document no longer holds the objects it was told
 * the sizes of). Two updates: a typical live one (one tldraw shape moved) and a large one (2,000
 * shapes in one transaction), each timed with and without DocumentSize. About 30 s on one core.
 *
 *   npx tsx bench/replay-decoder.ts
 */
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import { geoShapeRecord } from '../lib/shapeRecord.ts'
import { DocumentSize } from '../server/room/documentSize.ts'
import { validateUpdate } from '../server/room/validation.ts'
import { applyReadUpdate, type ReadUpdate } from '../server/yjs/updateReader.ts'

type Apply = (doc: Y.Doc, read: ReadUpdate) => void

const replayed: Apply = (doc, read) => applyReadUpdate(doc, read, null)
const plain: Apply = (doc, read) => Y.applyUpdate(doc, read.bytes, null)

/** One server-side update as Room handles it (without `size`: validation and apply alone); throws if the update is refused. */
function handle(doc: Y.Doc, size: DocumentSize | null, update: Uint8Array, apply: Apply): void {
  const read = validateUpdate(doc, update)
  if (!size) {
    apply(doc, read)
    return
  }
  if (!size.fits(doc, read, 64 * 1024 * 1024)) throw new Error('too large')
  size.applyingRead(read, () => Y.transact(doc, () => apply(doc, read)))
}

/** `count` successive updates, each moving (and re-labelling) one of 20 shapes, after the update creating them. */
function liveUpdates(count: number): { initial: Uint8Array; moves: Uint8Array[] } {
  const client = new Y.Doc()
  const records = client.getMap(BOARD_RECORDS_MAP)
  client.transact(() => {
    for (let i = 0; i < 20; i++) records.set(`shape:${i}`, geoShapeRecord(`shape:${i}`, { x: i, meta: { label: `shape ${i}` } }))
  })
  const initial = Y.encodeStateAsUpdate(client)
  const moves: Uint8Array[] = []
  client.on('update', (update: Uint8Array) => moves.push(update))
  for (let n = 0; n < count; n++) {
    const id = `shape:${n % 20}`
    records.set(id, geoShapeRecord(id, { x: n, y: n * 0.5, meta: { label: `shape ${n % 20}`, note: 'moved by the benchmark' } }))
  }
  return { initial, moves }
}

function largeUpdate(): Uint8Array {
  const client = new Y.Doc()
  const records = client.getMap(BOARD_RECORDS_MAP)
  client.transact(() => {
    for (let i = 0; i < 2_000; i++) records.set(`shape:${i}`, geoShapeRecord(`shape:${i}`, { x: i, y: -i, meta: { i } }))
  })
  return Y.encodeStateAsUpdate(client)
}

/** ns per live update: every move applied in turn to one server document. */
function timeLive(apply: Apply, updates: { initial: Uint8Array; moves: Uint8Array[] }, sized: boolean): number {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, updates.initial)
  const size = sized ? new DocumentSize(doc.getMap(BOARD_RECORDS_MAP), Y.encodeStateAsUpdate(doc).byteLength) : null
  const start = process.hrtime.bigint()
  for (const update of updates.moves) handle(doc, size, update, apply)
  const elapsed = Number(process.hrtime.bigint() - start)
  size?.destroy()
  return elapsed / updates.moves.length
}

/** ns per large update: each applied to a fresh document. */
function timeLarge(apply: Apply, update: Uint8Array, rounds: number, sized: boolean): number {
  let elapsed = 0
  for (let r = 0; r < rounds; r++) {
    const doc = new Y.Doc()
    const size = sized ? new DocumentSize(doc.getMap(BOARD_RECORDS_MAP), 0) : null
    const start = process.hrtime.bigint()
    handle(doc, size, update, apply)
    elapsed += Number(process.hrtime.bigint() - start)
    size?.destroy()
  }
  return elapsed / rounds
}

const LIVE_UPDATES = 5_000
const LARGE_ROUNDS = 40
const live = liveUpdates(LIVE_UPDATES)
const large = largeUpdate()
const averageLive = live.moves.reduce((sum, update) => sum + update.byteLength, 0) / live.moves.length

// Warm-up (both paths compiled), then alternating measured runs; the best of three is kept.
for (const apply of [replayed, plain]) {
  timeLive(apply, liveUpdates(1_000), true)
  timeLarge(apply, large, 5, true)
}
const saving = (replay: number, without: number) => `${(((without - replay) / without) * 100).toFixed(1)} %`
for (const sized of [false, true]) {
  const best = { liveReplayed: Infinity, livePlain: Infinity, largeReplayed: Infinity, largePlain: Infinity }
  for (let run = 0; run < 3; run++) {
    best.liveReplayed = Math.min(best.liveReplayed, timeLive(replayed, live, sized))
    best.livePlain = Math.min(best.livePlain, timeLive(plain, live, sized))
    best.largeReplayed = Math.min(best.largeReplayed, timeLarge(replayed, large, LARGE_ROUNDS, sized))
    best.largePlain = Math.min(best.largePlain, timeLarge(plain, large, LARGE_ROUNDS, sized))
  }
  const what = sized ? 'validate + DocumentSize + apply (as Room)' : 'validate + apply'
  process.stdout.write(`${what}, typical update (${Math.round(averageLive)} B, ${LIVE_UPDATES} updates): replay ${Math.round(best.liveReplayed)} ns/op, plain ${Math.round(best.livePlain)} ns/op, replay saves ${saving(best.liveReplayed, best.livePlain)}\n`)
  process.stdout.write(`${what}, large update (${large.byteLength} B, 2,000 shapes, ${LARGE_ROUNDS} rounds): replay ${Math.round(best.largeReplayed)} ns/op, plain ${Math.round(best.largePlain)} ns/op, replay saves ${saving(best.largeReplayed, best.largePlain)}\n`)
}
