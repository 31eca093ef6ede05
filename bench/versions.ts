/**
 * Version history on the benchmark's 10,000-shape board (the cold-load scenario's board: geo
 * shapes written 100 per update), on SQLite: the storage of one version (the collected state,
 * raw and gzip-compressed), what a delta between two versions would weigh instead, and the
 * time to save a version, to list a room's 100 versions and to read one back into records.
 *
 *   npx tsx bench/versions.ts [--shapes 10000] [--versions 100]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import { createDatabase } from '../lib/db/client.ts'
import { migrateSqlite } from '../lib/db/migrate.ts'
import { compressState, recordsOfState } from '../lib/db/versions.ts'
import { PrismaRoomStore } from '../server/storage/prismaRoomStore.ts'
import { collectedState } from '../server/storage/roomStore.ts'
import { shapeRecord } from './client.ts'
import { median } from './stats.ts'

const { values: args } = parseArgs({ options: { shapes: { type: 'string', default: '10000' }, versions: { type: 'string', default: '100' } } })
const SHAPES = Number(args.shapes)
const VERSIONS = Number(args.versions)
const CHUNK = 100
const ROOM = 'versions-bench'

/** Milliseconds `run` takes. */
async function timed<T>(run: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const started = performance.now()
  const result = await run()
  return { ms: performance.now() - started, result }
}

const round = (ms: number) => Math.round(ms * 10) / 10
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`

const dir = mkdtempSync(path.join(tmpdir(), 'wb-versions-bench-'))
const url = `file:${path.join(dir, 'bench.db')}`
migrateSqlite(url)
const db = await createDatabase(url)
try {
  const store = new PrismaRoomStore(db, 'sqlite')
  await store.load(ROOM)

  // The board, written as the cold-load scenario writes it: one update per 100 shapes.
  const doc = new Y.Doc()
  const records = doc.getMap(BOARD_RECORDS_MAP)
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let n = 0; n < SHAPES; n += CHUNK) {
    doc.transact(() => {
      for (let i = n; i < Math.min(n + CHUNK, SHAPES); i++) records.set(`shape:cold-${i}`, shapeRecord(`shape:cold-${i}`, Date.now(), i))
    })
  }
  await store.append(ROOM, updates)
  const live = () => ({ doc, state: Y.encodeStateAsUpdate(doc) })

  const state = collectedState(updates, null)
  const compressed = compressState(state)

  // A delta instead: 1% of the shapes moved since the previous version.
  const before = Y.encodeStateVector(doc)
  doc.transact(() => {
    for (let i = 0; i < SHAPES; i += 100) records.set(`shape:cold-${i}`, shapeRecord(`shape:cold-${i}`, Date.now(), i + 1))
  })
  const delta = Y.encodeStateAsUpdate(doc, before)
  await store.append(ROOM, [delta])

  const saveFromRows: number[] = []
  const saveLive: number[] = []
  for (let i = 0; i < VERSIONS; i++) {
    const { ms } = await timed(() =>
      store.saveVersion(ROOM, { kind: 'auto', label: null, skipIfUnchanged: false, live: i % 2 === 0 ? live : undefined }),
    )
    ;(i % 2 === 0 ? saveLive : saveFromRows).push(ms)
  }
  const skipped = await timed(() => store.saveVersion(ROOM, { kind: 'auto', label: null, skipIfUnchanged: true, live }))

  const lists: number[] = []
  let listed = 0
  for (let i = 0; i < 20; i++) {
    const { ms, result } = await timed(() => store.listVersions(ROOM))
    lists.push(ms)
    listed = result.length
  }
  const newest = (await store.listVersions(ROOM))[0]
  const reads: number[] = []
  const toRecords: number[] = []
  let recordCount = 0
  for (let i = 0; i < 10; i++) {
    const read = await timed(() => store.readVersion(ROOM, newest.id))
    reads.push(read.ms)
    const converted = await timed(() => recordsOfState(read.result!.state))
    toRecords.push(converted.ms)
    recordCount = converted.result.length
  }

  const report = {
    shapes: SHAPES,
    'collected state (raw)': kib(state.byteLength),
    'stored per version (gzip)': kib(compressed.byteLength),
    'delta for 1% of shapes moved (raw / gzip)': `${kib(delta.byteLength)} / ${kib(compressState(delta).byteLength)}`,
    'saveVersion, live document (median ms)': round(median(saveLive)),
    'saveVersion, state rebuilt from the stored rows (median ms)': round(median(saveFromRows)),
    'saveVersion skipped as unchanged (ms)': round(skipped.ms),
    [`listVersions of ${listed} versions (median ms)`]: round(median(lists)),
    'readVersion (median ms)': round(median(reads)),
    [`recordsOfState, ${recordCount} records (median ms)`]: round(median(toRecords)),
    'readVersion + recordsOfState (median ms)': round(median(reads) + median(toRecords)),
  }
  for (const [name, value] of Object.entries(report)) process.stdout.write(`${name.padEnd(64)} ${value}\n`)
} finally {
  await db.$disconnect()
  rmSync(dir, { recursive: true, force: true })
}
