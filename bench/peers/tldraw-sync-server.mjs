// Starts tldraw's own multiplayer server (@tldraw/sync-core TLSocketRoom) on 127.0.0.1 for the
// benchmark: one room per URL path, in memory, or each room in its own SQLite file
// (SQLiteSyncStorage over better-sqlite3: its node:sqlite default needs Node ≥ 22.5).
//   node tldraw-sync-server.mjs --port 4000 [--sqlite-dir /tmp/x/tldraw]
// Clients connect to ws://127.0.0.1:<port>/<room>?sessionId=<id>.
import { mkdirSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import Database from 'better-sqlite3'
import { NodeSqliteWrapper, SQLiteSyncStorage, TLSocketRoom } from '@tldraw/sync-core'
import { createTLSchema } from '@tldraw/tlschema'
import { readOption, readPort, stopOnSignals } from './launch-options.mjs'

// The ws that sync-core depends on (8.x); the top-level ws of this folder is the reference server's 6.x.
const { WebSocketServer } = createRequire(import.meta.resolve('@tldraw/sync-core'))('ws')

const port = readPort()
const sqliteDir = readOption('--sqlite-dir')
if (sqliteDir) mkdirSync(sqliteDir, { recursive: true })
const schema = createTLSchema()

/** @type {Map<string, { room: TLSocketRoom, db: Database.Database | null }>} */
const rooms = new Map()

function openRoom(roomId) {
  const db = sqliteDir ? new Database(path.join(sqliteDir, `${encodeURIComponent(roomId)}.db`)) : null
  if (db) db.pragma('journal_mode = WAL')
  const room = new TLSocketRoom({
    schema,
    storage: db ? new SQLiteSyncStorage({ sql: new NodeSqliteWrapper(db) }) : undefined,
    // A persistent room is closed with its last session (its state is on disk, as tldraw's
    // examples do); an in-memory room is kept, like the reference server's documents.
    onSessionRemoved(closing, { numSessionsRemaining }) {
      if (!db || numSessionsRemaining > 0) return
      closing.close()
      db.close()
      rooms.delete(roomId)
    },
  })
  const entry = { room, db }
  rooms.set(roomId, entry)
  return entry
}

const sockets = new WebSocketServer({ noServer: true })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('ok')
})
server.on('upgrade', (request, socket, head) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const roomId = decodeURIComponent(url.pathname.slice(1))
  const sessionId = url.searchParams.get('sessionId')
  if (!roomId || !sessionId) {
    socket.destroy()
    return
  }
  sockets.handleUpgrade(request, socket, head, (ws) => {
    const { room } = rooms.get(roomId) ?? openRoom(roomId)
    room.handleSocketConnect({ sessionId, socket: ws })
  })
})
server.listen(port, '127.0.0.1', () => console.log(`tldraw sync server${sqliteDir ? ' + sqlite' : ''} on 127.0.0.1:${port}`))
stopOnSignals(
  () =>
    new Promise((resolve) => {
      for (const { room, db } of rooms.values()) {
        room.close()
        db?.close()
      }
      for (const ws of sockets.clients) ws.terminate()
      server.close(() => resolve())
    }),
)
