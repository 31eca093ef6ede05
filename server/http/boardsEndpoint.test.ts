import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Close } from '../../lib/protocol.ts'
import { signInternalToken, type InternalAction } from '../../lib/token.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import { boardRecords, shape, storedDoc, TEST_SECRET, tokenFor, waitUntil, type RawClient } from '../testing/support.ts'
import { NAME_MIRROR_DEBOUNCE_MS } from '../room/nameMirror.ts'
import { DOCUMENT_RECORD_ID } from '../room/rename.ts'

const DAY_MS = 86_400_000

type Endpoint = 'revoke' | 'state' | 'name'
const ACTIONS: Record<Endpoint, InternalAction> = { revoke: 'revoke', state: 'read-state', name: 'rename' }

/** Calls a board endpoint of `server` for `roomId` with a token for its action (or the given token). */
async function callRoom(server: { port: number }, roomId: string, endpoint: Endpoint, body: unknown, token?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/internal/rooms/${roomId}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? (await signInternalToken(TEST_SECRET, roomId, ACTIONS[endpoint]))}` },
    body: JSON.stringify(body),
  })
}

async function revoke(server: { port: number }, roomId: string, linkIds: string[], reason: 'link revoked' | 'board deleted'): Promise<number> {
  const response = await callRoom(server, roomId, 'revoke', { linkIds, reason })
  expect(response.status).toBe(200)
  return ((await response.json()) as { closed: number }).closed
}

/** A board as the app creates one: its row, with an edit id (the room id until reset) and a view id. */
async function createBoard(server: StartedTestServer, id: string): Promise<{ id: string; editId: string; viewId: string }> {
  const board = { id, editId: id, viewId: `${id}-view` }
  await server.db.room.create({ data: board })
  return board
}

/** Resolves with the close a socket gets, and how long after `since` it came. */
async function closedWithin(client: RawClient, since: number): Promise<{ code: number; reason: string; ms: number }> {
  const closed = await client.closed
  return { ...closed, ms: performance.now() - since }
}

/** True while the socket is open: it answers a ping. */
async function stillOpen(client: RawClient): Promise<boolean> {
  if (client.ws.readyState !== client.ws.OPEN) return false
  return new Promise((resolve) => {
    client.ws.once('pong', () => resolve(true))
    client.ws.ping()
  })
}

describe('link reset and trash: revoke endpoint and link checks at auth', () => {
  it('a reset edit link closes its sockets with 4410 "link revoked" within a second and leaves view sockets open; a still-valid token of the old link is refused', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'reset-edit')
    const oldEditToken = await tokenFor(board.editId, { sub: 'editor-2' })
    const editors = [await server.authed(board.editId, { sub: 'editor-1' }), await server.authed(board.editId, { sub: 'editor-2' })]
    const viewer = await server.authed(board.viewId, { sub: 'viewer', scope: 'view' })

    await server.db.room.update({ where: { id: board.id }, data: { editId: 'reset-edit-2' } })
    const since = performance.now()
    expect(await revoke(server, board.id, [board.editId], 'link revoked')).toBe(2)
    const closeTimes: number[] = []
    for (const editor of editors) {
      const closed = await closedWithin(editor, since)
      expect({ code: closed.code, reason: closed.reason }).toEqual(Close.linkRevoked)
      expect(closed.ms).toBeLessThan(1_000)
      closeTimes.push(closed.ms)
    }
    console.warn(`revoke on one server → its sockets closed after ${closeTimes.map((ms) => ms.toFixed(1)).join(' ms, ')} ms`)
    expect(await stillOpen(viewer)).toBe(true)

    const late = server.raw(board.editId)
    await late.opened
    late.ws.send(JSON.stringify({ type: 'auth', token: oldEditToken }))
    expect(await late.closed).toEqual(Close.linkRevoked)
    // The new link opens the same room, with what was drawn before.
    const renewed = await server.authed('reset-edit-2', { sub: 'editor-1' })
    expect(server.server.rooms.get(board.id)?.peers.size).toBe(2)
    renewed.ws.terminate()
  })

  it('a reset view link closes the view sockets and leaves the editors; the old view token is refused', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'reset-view')
    const editor = await server.authed(board.editId, { sub: 'editor' })
    const viewers = [await server.authed(board.viewId, { sub: 'v1', scope: 'view' }), await server.authed(board.viewId, { sub: 'v2', scope: 'view' })]

    await server.db.room.update({ where: { id: board.id }, data: { viewId: 'reset-view-2' } })
    const since = performance.now()
    expect(await revoke(server, board.id, [board.viewId], 'link revoked')).toBe(2)
    for (const viewer of viewers) {
      const closed = await closedWithin(viewer, since)
      expect({ code: closed.code, reason: closed.reason }).toEqual(Close.linkRevoked)
      expect(closed.ms).toBeLessThan(1_000)
    }
    expect(await stillOpen(editor)).toBe(true)

    const late = server.raw(board.viewId)
    await late.opened
    late.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor(board.viewId, { sub: 'v1', scope: 'view' }) }))
    expect(await late.closed).toEqual(Close.linkRevoked)
    const renewed = await server.authed('reset-view-2', { sub: 'v1', scope: 'view' })
    expect(await stillOpen(renewed)).toBe(true)
  })

  it('trashing closes every socket of the room with 4410 "board deleted" and refuses both links; other rooms stay', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'trashed')
    const other = await createBoard(server, 'other-board')
    const sockets = [
      await server.authed(board.editId, { sub: 'e1' }),
      await server.authed(board.editId, { sub: 'e2' }),
      await server.authed(board.viewId, { sub: 'v1', scope: 'view' }),
    ]
    const bystander = await server.authed(other.editId, { sub: 'e1' })

    await server.db.room.update({ where: { id: board.id }, data: { trashedAt: new Date() } })
    const since = performance.now()
    // The app names the current links; every socket of the room goes, whatever link it was opened with.
    expect(await revoke(server, board.id, [], 'board deleted')).toBe(3)
    for (const socket of sockets) {
      const closed = await closedWithin(socket, since)
      expect({ code: closed.code, reason: closed.reason }).toEqual(Close.boardDeleted)
      expect(closed.ms).toBeLessThan(1_000)
    }
    expect(await stillOpen(bystander)).toBe(true)
    for (const [linkId, scope] of [[board.editId, 'edit'], [board.viewId, 'view']] as const) {
      const late = server.raw(linkId)
      await late.opened
      late.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor(linkId, { scope }) }))
      expect(await late.closed).toEqual(Close.boardDeleted)
    }
  })

  it('closes a socket of the revoked link that is still being authenticated, and answers 0 when nothing is open', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'mid-auth')
    expect(await revoke(server, board.id, [board.editId], 'link revoked')).toBe(0)
    // Opened, not yet authenticated: the link id in its URL is enough.
    const pending = server.raw(board.editId)
    await pending.opened
    await waitUntil(() => server.server.connections.size === 1, 'the socket registered')
    expect(await revoke(server, board.id, [board.editId], 'link revoked')).toBe(1)
    expect(await pending.closed).toEqual(Close.linkRevoked)
  })

  it('refuses a bad body, a token of another action or room, and a GET', async () => {
    const server = await startTestServer()
    await createBoard(server, 'guarded')
    expect((await callRoom(server, 'guarded', 'revoke', { linkIds: ['guarded'], reason: 'because' })).status).toBe(400)
    expect((await callRoom(server, 'guarded', 'revoke', { linkIds: 'guarded', reason: 'link revoked' })).status).toBe(400)
    const wrongAction = await callRoom(server, 'guarded', 'revoke', { linkIds: [], reason: 'link revoked' }, await signInternalToken(TEST_SECRET, 'guarded', 'rename'))
    expect(wrongAction.status).toBe(401)
    const wrongRoom = await callRoom(server, 'guarded', 'revoke', { linkIds: [], reason: 'link revoked' }, await signInternalToken(TEST_SECRET, 'other', 'revoke'))
    expect(wrongRoom.status).toBe(401)
    const get = await fetch(`http://127.0.0.1:${server.port}/internal/rooms/guarded/state`)
    expect(get.status).toBe(405)
    expect((await callRoom(server, 'guarded', 'nope' as Endpoint, {})).status).toBe(404)
  })
})

describe('state endpoint', () => {
  it('answers the live document, edits not yet stored included; 404 for a room without a row', async () => {
    // Writes wait a minute: the edit is only in the live document.
    const server = await startTestServer({ config: { persistIntervalMs: 60_000 } })
    const board = await createBoard(server, 'stateful')
    const client = server.connect(board.editId, { sub: 'ada' })
    await waitUntil(() => client.provider.synced, 'synced')
    boardRecords(client.doc).set('shape:fresh', shape('shape:fresh', { n: 1 }))
    await waitUntil(() => server.server.rooms.get(board.id)?.doc.getMap('records').has('shape:fresh') === true, 'the edit on the server')
    expect(boardRecords(await storedDoc(server.database.url, board.id)).has('shape:fresh')).toBe(false)

    const response = await callRoom(server, board.id, 'state', {})
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()))
    expect(boardRecords(doc).get('shape:fresh')).toEqual(shape('shape:fresh', { n: 1 }))

    const unknown = await callRoom(server, 'no-such-room', 'state', {})
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: 'unknown room' })
  })

  it('loads a room nobody has open, answers its stored state and evicts it again', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'cold')
    const client = server.connect(board.editId, { sub: 'ada' })
    await waitUntil(() => client.provider.synced, 'synced')
    boardRecords(client.doc).set('shape:kept', shape('shape:kept'))
    await waitUntil(async () => boardRecords(await storedDoc(server.database.url, board.id)).has('shape:kept'), 'stored')
    client.destroy()
    await waitUntil(() => server.server.rooms.get(board.id) === undefined, 'evicted')

    const response = await fetch(`http://127.0.0.1:${server.port}/internal/rooms/${board.id}/state`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signInternalToken(TEST_SECRET, board.id, 'read-state')}` },
    })
    expect(response.status).toBe(200)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()))
    expect(boardRecords(doc).has('shape:kept')).toBe(true)
    await waitUntil(() => server.server.rooms.get(board.id) === undefined, 'evicted again')
  })
})

describe('board name', () => {
  it('the name endpoint renames the document record live for everyone connected and stores Room.name; bad names are refused', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'named')
    const a = server.connect(board.editId, { sub: 'ada' })
    const viewer = server.connect(board.viewId, { sub: 'val', scope: 'view' })
    await waitUntil(() => a.provider.synced && viewer.provider.synced, 'synced')

    const response = await callRoom(server, board.id, 'name', { name: '  Roadmap 2027  ' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ name: 'Roadmap 2027' })
    expect((await server.db.room.findUnique({ where: { id: board.id } }))?.name).toBe('Roadmap 2027')
    for (const client of [a, viewer]) {
      await waitUntil(() => (boardRecords(client.doc).get(DOCUMENT_RECORD_ID) as { name?: string } | undefined)?.name === 'Roadmap 2027', 'the name at every client')
    }
    // The record is tldraw's: a second rename keeps its other fields.
    expect(await (await callRoom(server, board.id, 'name', { name: 'Roadmap' })).json()).toEqual({ name: 'Roadmap' })
    await waitUntil(() => (boardRecords(a.doc).get(DOCUMENT_RECORD_ID) as { name?: string } | undefined)?.name === 'Roadmap', 'renamed again')
    expect(boardRecords(a.doc).get(DOCUMENT_RECORD_ID)).toMatchObject({ id: DOCUMENT_RECORD_ID, typeName: 'document', gridSize: 10, meta: {} })

    for (const name of ['', '   ', 'x'.repeat(101), 42]) {
      const refused = await callRoom(server, board.id, 'name', { name })
      expect(refused.status, JSON.stringify(name)).toBe(400)
    }
    expect((await callRoom(server, board.id, 'name', { name: 'x'.repeat(100) })).status).toBe(200)
    expect((await callRoom(server, 'no-such-board', 'name', { name: 'x' })).status).toBe(404)
  })

  it('a client renaming the document record is mirrored to Room.name once it settles (trimmed, clamped, empty as "Untitled board")', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'mirrored')
    await server.db.room.update({ where: { id: board.id }, data: { name: 'Given at creation' } })
    const client = server.connect(board.editId, { sub: 'ada' })
    await waitUntil(() => client.provider.synced, 'synced')
    const storedName = async () => (await server.db.room.findUnique({ where: { id: board.id } }))?.name
    const setName = (name: string) => boardRecords(client.doc).set(DOCUMENT_RECORD_ID, { id: DOCUMENT_RECORD_ID, typeName: 'document', gridSize: 10, name, meta: {} } as never)

    // tldraw creates the record with an empty name on a new board's first open: that is no rename.
    setName('')
    await waitUntil(() => server.server.rooms.get(board.id)?.doc.getMap('records').has(DOCUMENT_RECORD_ID) === true, 'the record on the server')
    await server.server.rooms.get(board.id)!.flushPendingUpdates()
    expect(await storedName()).toBe('Given at creation')

    // Typing: only the settled name is written.
    const typedAt = performance.now()
    for (const name of ['P', 'Pl', 'Pla', '  Plan  ']) setName(name)
    await waitUntil(async () => (await storedName()) === 'Plan', 'the settled name stored')
    expect(performance.now() - typedAt).toBeGreaterThanOrEqual(NAME_MIRROR_DEBOUNCE_MS - 50)

    setName(`${'y'.repeat(120)}`)
    await waitUntil(async () => (await storedName()) === 'y'.repeat(100), 'clamped to 100')
    setName('   ')
    await waitUntil(async () => (await storedName()) === 'Untitled board', 'empty is Untitled board')
    // A name still waiting for its debounce is written when the last client leaves (eviction flushes it).
    setName('Last words')
    client.destroy()
    await waitUntil(async () => (await storedName()) === 'Last words', 'written on eviction')
  })
})

describe('presence endpoint', () => {
  it('lists who is connected to each room, by user, edit and view; rooms nobody has open are empty', async () => {
    const server = await startTestServer()
    const board = await createBoard(server, 'present')
    const quiet = await createBoard(server, 'quiet')
    const clients = [
      server.connect(board.editId, { sub: 'ada', name: 'Ada' }),
      server.connect(board.editId, { sub: 'ada', name: 'Ada' }),
      server.connect(board.viewId, { sub: 'val', name: 'Val', scope: 'view' }),
    ]
    await waitUntil(() => clients.every((client) => client.provider.synced), 'synced')
    const ask = async (rooms: unknown, token?: string) =>
      fetch(`http://127.0.0.1:${server.port}/internal/presence`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? (await signInternalToken(TEST_SECRET, '*', 'presence'))}` },
        body: JSON.stringify({ rooms }),
      })
    const response = await ask([board.id, quiet.id])
    expect(response.status).toBe(200)
    const { rooms } = (await response.json()) as { rooms: Record<string, { id: string; name: string; color: string }[]> }
    expect(Object.keys(rooms).sort()).toEqual([board.id, quiet.id].sort())
    expect(rooms[quiet.id]).toEqual([])
    expect(rooms[board.id].map(({ id, name }) => ({ id, name })).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'ada', name: 'Ada' },
      { id: 'val', name: 'Val' },
    ])
    for (const peer of rooms[board.id]) expect(peer.color).toMatch(/^#[0-9a-f]{6}$/i)

    expect((await ask(Array.from({ length: 201 }, (_, i) => `room-${i}`))).status).toBe(400)
    expect((await ask(['../x'])).status).toBe(400)
    expect((await ask([board.id], await signInternalToken(TEST_SECRET, board.id, 'presence'))).status).toBe(401)
  })
})

describe('trash retention', () => {
  it('the maintenance deletes boards trashed longer ago than TRASH_RETENTION_DAYS, with their rows, and keeps a recent one', async () => {
    const first = await startTestServer()
    const boards = { old: await createBoard(first, 'trashed-long-ago'), recent: await createBoard(first, 'trashed-lately'), live: await createBoard(first, 'not-trashed') }
    for (const board of Object.values(boards)) {
      const client = first.connect(board.editId, { sub: 'ada' })
      await waitUntil(() => client.provider.synced, 'synced')
      boardRecords(client.doc).set('shape:a', shape('shape:a'))
      await waitUntil(async () => (await first.db.roomUpdate.count({ where: { roomId: board.id } })) > 0, 'stored')
      client.destroy()
    }
    await first.db.room.update({ where: { id: boards.old.id }, data: { trashedAt: new Date(Date.now() - 8 * DAY_MS) } })
    await first.db.room.update({ where: { id: boards.recent.id }, data: { trashedAt: new Date(Date.now() - 6 * DAY_MS) } })
    await first.stop()

    // The maintenance runs at start (then hourly).
    const server = await startTestServer({ database: first.database, config: { trashRetentionDays: 7 } })
    await waitUntil(async () => (await server.db.room.findUnique({ where: { id: boards.old.id } })) === null, 'the old trashed board deleted')
    expect(await server.db.roomUpdate.count({ where: { roomId: boards.old.id } })).toBe(0)
    expect(await server.db.roomSnapshot.count({ where: { roomId: boards.old.id } })).toBe(0)
    expect(await server.db.roomEditor.count({ where: { roomId: boards.old.id } })).toBe(0)
    for (const board of [boards.recent, boards.live]) {
      expect(await server.db.room.findUnique({ where: { id: board.id } })).not.toBeNull()
      expect((await server.db.roomUpdate.count({ where: { roomId: board.id } })) + (await server.db.roomSnapshot.count({ where: { roomId: board.id } }))).toBeGreaterThan(0)
    }
    // A day on, the recent one's time is up too.
    await server.db.room.update({ where: { id: boards.recent.id }, data: { trashedAt: new Date(Date.now() - 7 * DAY_MS - 60_000) } })
    expect(await server.server.purgeTrash()).toBe(1)
    expect(await server.db.room.findUnique({ where: { id: boards.recent.id } })).toBeNull()
    expect(await server.db.room.findUnique({ where: { id: boards.live.id } })).not.toBeNull()
  })
})
