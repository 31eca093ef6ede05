/**
 * A board that lives for months, in one run: one client moves one shape MOVES times (default
 * 20,000) through the production server, leaves, and the room is evicted; then the bytes the
 * database holds for the room are measured, the server is restarted, and a new client's first
 * sync (bytes on the socket and time) is measured.
 *
 *   npx tsx bench/long-lived.ts                 SQLite
 *   DATABASE=postgresql npx tsx bench/long-lived.ts
 */
import * as Y from 'yjs'
import { createDatabase } from '../lib/db/client.ts'
import { boardRecords, createTempDatabase, firstSync, providerClient, savedThrough, shape, startServerProcess } from '../server/testing/support.ts'
import { waitFor } from './stats.ts'

const MOVES = Number(process.env.MOVES ?? 20_000)
const ROOM = 'long-lived'

async function storedBytes(databaseUrl: string): Promise<{ snapshot: number; log: number; rows: number }> {
  const db = await createDatabase(databaseUrl)
  try {
    const snapshot = await db.roomSnapshot.findUnique({ where: { roomId: ROOM } })
    const log = await db.roomUpdate.findMany({ where: { roomId: ROOM }, select: { data: true } })
    return { snapshot: snapshot?.data.byteLength ?? 0, log: log.reduce((sum, row) => sum + row.data.byteLength, 0), rows: log.length }
  } finally {
    await db.$disconnect()
  }
}

/** Waits for `done` or stops the run with what it waited for. */
async function waitUntil(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  if (!(await waitFor(done, timeoutMs))) throw new Error(`timed out waiting for ${what}`)
}

const database = await createTempDatabase(process.env.DATABASE === 'postgresql' ? 'postgresql' : 'sqlite')
// The default limit: an older server refuses edits past it by the bytes it has received.
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn', RATE_MESSAGES_PER_SEC: '1000000', RATE_BYTES_PER_SEC: '1000000000' }
let server: Awaited<ReturnType<typeof startServerProcess>> | null = null
try {
  server = await startServerProcess(env)
  const writer = providerClient(server.url, ROOM, { sub: 'writer' })
  await waitUntil(() => writer.provider.synced, 'synced')
  let sent = 0
  writer.doc.on('update', (update: Uint8Array) => (sent += update.byteLength))
  const first = savedThrough(writer)
  const padding = 'p'.repeat(150)
  const startedAt = performance.now()
  for (let i = 0; i < MOVES; i++) boardRecords(writer.doc).set('shape:dragged', shape('shape:dragged', { x: i, padding }))
  await waitUntil(() => savedThrough(writer) >= first + MOVES, 'every move saved', 300_000)
  const editSeconds = (performance.now() - startedAt) / 1000
  const live = Y.encodeStateAsUpdate(writer.doc).byteLength
  writer.destroy()
  // Eviction folds the log into the snapshot.
  await waitUntil(async () => (await storedBytes(database.url)).rows === 0, 'log compacted at eviction', 300_000)
  const stored = await storedBytes(database.url)
  server.child.kill('SIGTERM')
  await server.exited
  server = null
  server = await startServerProcess(env)
  const cold = await firstSync(server.url, ROOM)
  const result = {
    moves: MOVES,
    updateBytes: sent,
    editSeconds: Number(editSeconds.toFixed(2)),
    liveStateBytes: live,
    storedSnapshotBytes: stored.snapshot,
    storedLogBytes: stored.log,
    storedLogRows: stored.rows,
    coldFirstSyncBytes: cold.bytes,
    coldFirstSyncMs: Number(cold.ms.toFixed(1)),
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
} finally {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await server.exited
  }
  await database.remove()
}
