import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { NextRequest } from 'next/server'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { geoShapeRecord } from '../../lib/shapeRecord.ts'
import { testClients } from '../../server/testing/fixture.ts'
import { boardRecords, createTempDatabase, shape, startServer, TEST_SECRET, waitUntil, type TestServer } from '../../server/testing/support.ts'
import { GET as getAsset } from '../api/assets/[id]/route.ts'
import { POST as uploadAsset } from '../api/assets/route.ts'
import { DELETE as deleteBoard, PATCH as renameBoard } from '../api/boards/[roomId]/route.ts'
import { POST as duplicateBoard } from '../api/boards/[roomId]/duplicate/route.ts'
import { GET as exportBoard } from '../api/boards/[roomId]/export/route.ts'
import { POST as resetLink } from '../api/boards/[roomId]/links/route.ts'
import { POST as restoreBoard } from '../api/boards/[roomId]/restore/route.ts'
import { PUT as putThumbnail } from '../api/boards/[roomId]/thumbnail/route.ts'
import { POST as saveVersion } from '../api/boards/[roomId]/versions/route.ts'
import { POST as importBoard } from '../api/boards/import/route.ts'
import { GET as listBoardsRoute } from '../api/boards/route.ts'
import { GET as getThumbnail } from '../api/thumbnails/[viewId]/route.ts'
import { POST as requestToken } from '../api/token/route.ts'
import type { BoardListEntry } from './boardList.ts'
import { createBoard, findBoardByLink } from './boards.ts'
import { database } from './db.ts'
import { guestCookie } from './guest.ts'

const APP = 'http://localhost:3000'
const ADA = 'ada-guest-id-000001'
const BOB = 'bob-guest-id-000002'
const CAROL = 'carol-guest-id-0003'
const UNKNOWN = 'A'.repeat(22)

function cookieOf(userId: string): string {
  const cookie = guestCookie(userId)
  return `${cookie.name}=${cookie.value}`
}

interface RequestOptions {
  method?: string
  body?: BodyInit
  json?: unknown
  as?: string
  origin?: string
  headers?: Record<string, string>
}

function request(path: string, options: RequestOptions = {}): NextRequest {
  const headers: Record<string, string> = { ...options.headers }
  if (options.as) headers.cookie = cookieOf(options.as)
  if (options.origin) headers.origin = options.origin
  let body = options.body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json)
  }
  const init = { method: options.method ?? 'GET', body, headers, duplex: 'half' }
  return new NextRequest(`${APP}${path}`, init as ConstructorParameters<typeof NextRequest>[1])
}

const roomParams = (roomId: string) => ({ params: Promise.resolve({ roomId }) })

async function listFor(userId: string, query = ''): Promise<BoardListEntry[]> {
  const answer = await listBoardsRoute(request(`/api/boards${query}`, { as: userId }))
  expect(answer.status).toBe(200)
  return ((await answer.json()) as { boards: BoardListEntry[] }).boards
}

async function tokenStatus(link: 'b' | 'v', id: string, userId: string): Promise<number> {
  return (await requestToken(request('/api/token', { method: 'POST', json: { link, id, name: 'Someone' }, as: userId }))).status
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4])
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])

async function upload(editId: string): Promise<string> {
  const form = new FormData()
  form.set('file', new File([PNG], 'dot.png', { type: 'image/png' }))
  form.set('board', editId)
  const encoded = new Response(form)
  const answer = await uploadAsset(
    request('/api/assets', { method: 'POST', body: await encoded.arrayBuffer(), headers: { 'content-type': encoded.headers.get('content-type')! } }),
  )
  expect(answer.status).toBe(201)
  return ((await answer.json()) as { id: string }).id
}

function imageAsset(assetId: string) {
  return {
    id: 'asset:dot',
    typeName: 'asset',
    type: 'image',
    props: { name: 'dot.png', src: `/api/assets/${assetId}`, w: 1, h: 1, mimeType: 'image/png', isAnimated: false },
    meta: {},
  }
}

describe('the boards API', () => {
  let temp: Awaited<ReturnType<typeof createTempDatabase>>
  let sync: TestServer

  beforeAll(async () => {
    temp = await createTempDatabase()
    sync = await startServer(temp.url)
    vi.stubEnv('DATABASE_URL', temp.url)
    vi.stubEnv('AUTH_SECRET', TEST_SECRET)
    vi.stubEnv('SYNC_INTERNAL_URL', `http://127.0.0.1:${sync.port}`)
    vi.stubEnv('BOARDS_PER_MIN', '10000')
    vi.stubEnv('UPLOADS_PER_MIN', '10000')
  })

  afterAll(async () => {
    await sync.stop()
    await (await database()).$disconnect()
    delete (globalThis as { whiteboardDb?: unknown }).whiteboardDb
    vi.unstubAllEnvs()
    await temp.remove()
  })

  /** A client connected to `linkId` (an edit id) as `userId`, synced. */
  async function connected(linkId: string, userId: string, name = 'Someone') {
    const client = testClients(sync.url).connect(linkId, { sub: userId, name })
    await waitUntil(() => client.provider.synced, 'the client synced')
    return client
  }

  /** Draws a shape through a live client and waits until the sync server has it. */
  async function draw(roomId: string, linkId: string, shapeId: string) {
    const client = await connected(linkId, ADA)
    boardRecords(client.doc).set(shapeId, shape(shapeId))
    await waitUntil(() => sync.server.rooms.get(roomId)?.doc.getMap(BOARD_RECORDS_MAP).has(shapeId) === true, 'the shape on the sync server')
    return client
  }

  it('list the boards a guest owns or opened through a current link, newest activity first, with name filter and presence', async () => {
    const alpha = await createBoard('Alpha plans', ADA)
    const beta = await createBoard('Beta', ADA)
    const shared = await createBoard('Shared by Bob', BOB)
    expect(await tokenStatus('b', shared.id, ADA)).toBe(200)
    const viewed = await createBoard('Seen only', BOB)
    expect(await tokenStatus('v', viewed.viewId, ADA)).toBe(200)
    await createBoard('Not Ada', BOB)
    const db = await database()
    const editedIn = (roomId: string, seconds: number) =>
      db.roomEditor.create({ data: { roomId, userId: BOB, name: 'Bob', lastEditAt: new Date(Date.now() + seconds * 1000) } })
    await Promise.all([editedIn(alpha.id, 10), editedIn(shared.id, 20), editedIn(viewed.id, 30), editedIn(beta.id, 60)])

    const bob = await connected(alpha.id, BOB, 'Bob')
    const boards = await listFor(ADA)
    expect(boards.map((board) => board.name)).toEqual(['Beta', 'Seen only', 'Shared by Bob', 'Alpha plans'])
    const byName = Object.fromEntries(boards.map((board) => [board.name, board]))
    expect(byName.Beta).toMatchObject({ roomId: beta.id, viewId: beta.viewId, owner: true, lastEditedBy: 'Bob', thumbnailUrl: null, trashedAt: null, present: [] })
    expect(byName['Shared by Bob']).toMatchObject({ roomId: shared.id, owner: false, updatedAt: expect.any(String) })
    expect(byName['Seen only']).toMatchObject({ roomId: null, viewId: viewed.viewId, owner: false })
    expect(byName['Alpha plans'].present).toEqual([{ id: BOB, name: 'Bob', color: expect.any(String) }])
    bob.destroy()

    expect((await listFor(ADA, '?q=ALPHA')).map((board) => board.name)).toEqual(['Alpha plans'])
    expect(await listFor(ADA, '?trash=1')).toEqual([])
    const anonymous = await listBoardsRoute(request('/api/boards'))
    expect(await anonymous.json()).toEqual({ boards: [] })
  })

  it('record a visit once a minute per guest and link, not on every token request', async () => {
    const board = await createBoard('Visited', BOB)
    const db = await database()
    expect(await tokenStatus('b', board.id, CAROL)).toBe(200)
    const first = await db.roomVisit.findUniqueOrThrow({ where: { userId_roomId_kind: { userId: CAROL, roomId: board.id, kind: 'b' } } })
    expect(first.linkId).toBe(board.id)
    expect(await tokenStatus('b', board.id, CAROL)).toBe(200)
    const second = await db.roomVisit.findUniqueOrThrow({ where: { userId_roomId_kind: { userId: CAROL, roomId: board.id, kind: 'b' } } })
    expect(second.lastOpenedAt).toEqual(first.lastOpenedAt)
    expect(await db.roomVisit.count({ where: { userId: CAROL, roomId: board.id } })).toBe(1)
  })

  it('rename through the sync server: everyone connected sees the new name, and the room row has it', async () => {
    const board = await createBoard('Old name', ADA)
    const client = await connected(board.id, BOB)
    const answer = await renameBoard(request(`/api/boards/${board.id}`, { method: 'PATCH', json: { name: '  New name ' }, origin: APP }), roomParams(board.id))
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ name: 'New name' })
    await waitUntil(() => (client.doc.getMap(BOARD_RECORDS_MAP).get('document:document') as { name?: string } | undefined)?.name === 'New name', 'the name at the client')
    expect((await findBoardByLink('b', board.id))?.name).toBe('New name')

    for (const json of [{ name: '   ' }, { name: 'x'.repeat(101) }, { title: 'x' }, 'not json']) {
      const refused = await renameBoard(request(`/api/boards/${board.id}`, { method: 'PATCH', json }), roomParams(board.id))
      expect({ json, status: refused.status }).toEqual({ json, status: 400 })
      expect(await refused.json()).toEqual({ error: expect.any(String) })
    }
    const unknown = await renameBoard(request(`/api/boards/${UNKNOWN}`, { method: 'PATCH', json: { name: 'x' } }), roomParams(UNKNOWN))
    expect(unknown.status).toBe(404)
    const viaViewId = await renameBoard(request(`/api/boards/${board.viewId}`, { method: 'PATCH', json: { name: 'x' } }), roomParams(board.viewId))
    expect(viaViewId.status).toBe(404)
  })

  it('reset the edit link (owner only): the old id finds nothing, and its open sockets are closed with 4410', async () => {
    const board = await createBoard('Reset me', ADA)
    const oldSocket = await testClients(sync.url).authed(board.id, { sub: BOB })
    const path = `/api/boards/${board.id}/links`

    const byBob = await resetLink(request(path, { method: 'POST', json: { kind: 'edit' }, as: BOB }), roomParams(board.id))
    expect(byBob.status).toBe(403)
    expect(await byBob.json()).toEqual({ error: expect.any(String) })
    const anonymous = await resetLink(request(path, { method: 'POST', json: { kind: 'edit' } }), roomParams(board.id))
    expect(anonymous.status).toBe(403)
    const badKind = await resetLink(request(path, { method: 'POST', json: { kind: 'both' }, as: ADA }), roomParams(board.id))
    expect(badKind.status).toBe(400)

    const answer = await resetLink(request(path, { method: 'POST', json: { kind: 'edit' }, as: ADA, origin: APP }), roomParams(board.id))
    expect(answer.status).toBe(200)
    const reset = (await answer.json()) as { roomId: string; viewId: string }
    expect(reset.viewId).toBe(board.viewId)
    expect(reset.roomId).not.toBe(board.id)
    expect(await oldSocket.closed).toEqual({ code: 4410, reason: 'link revoked' })

    expect(await tokenStatus('b', board.id, BOB)).toBe(404)
    expect(await findBoardByLink('b', board.id)).toBeNull()
    expect(await tokenStatus('b', reset.roomId, BOB)).toBe(200)
    expect(await findBoardByLink('b', reset.roomId)).toMatchObject({ id: board.id, roomId: reset.roomId, name: 'Reset me' })
    const again = await resetLink(request(path, { method: 'POST', json: { kind: 'edit' }, as: ADA }), roomParams(board.id))
    expect(again.status).toBe(404)
  })

  it('reset the view link: the old view id is 404, the edit link keeps working, and a visit through the old view id drops off the list', async () => {
    const board = await createBoard('View reset', ADA)
    expect(await tokenStatus('v', board.viewId, CAROL)).toBe(200)
    expect((await listFor(CAROL)).some((entry) => entry.viewId === board.viewId)).toBe(true)
    const viewer = await testClients(sync.url).authed(board.viewId, { sub: CAROL, scope: 'view' })

    const answer = await resetLink(request(`/api/boards/${board.id}/links`, { method: 'POST', json: { kind: 'view' }, as: ADA }), roomParams(board.id))
    expect(answer.status).toBe(200)
    const reset = (await answer.json()) as { roomId: string; viewId: string }
    expect(reset.roomId).toBe(board.id)
    expect(reset.viewId).not.toBe(board.viewId)
    expect(await viewer.closed).toEqual({ code: 4410, reason: 'link revoked' })
    expect(await tokenStatus('v', board.viewId, CAROL)).toBe(404)
    expect(await findBoardByLink('v', board.viewId)).toBeNull()
    expect(await tokenStatus('b', board.id, CAROL)).toBe(200)
    expect((await listFor(CAROL)).find((entry) => entry.name === 'View reset')).toMatchObject({ roomId: board.id })
  })

  it('trash (owner only) closes every socket and hides the board; restore brings it back; 409 for the wrong state', async () => {
    const board = await createBoard('Trash me', ADA)
    const editor = await testClients(sync.url).authed(board.id, { sub: BOB })
    const path = `/api/boards/${board.id}`

    expect((await deleteBoard(request(path, { method: 'DELETE', as: BOB }), roomParams(board.id))).status).toBe(403)
    const notTrashed = await deleteBoard(request(`${path}?forever=1`, { method: 'DELETE', as: ADA }), roomParams(board.id))
    expect(notTrashed.status).toBe(409)
    const notInTrash = await restoreBoard(request(`${path}/restore`, { method: 'POST', as: ADA }), roomParams(board.id))
    expect(notInTrash.status).toBe(409)

    const trashed = await deleteBoard(request(path, { method: 'DELETE', as: ADA }), roomParams(board.id))
    expect(trashed.status).toBe(200)
    const { trashedAt } = (await trashed.json()) as { trashedAt: string }
    expect(new Date(trashedAt).getTime()).toBeGreaterThan(Date.now() - 60_000)
    expect(await editor.closed).toEqual({ code: 4410, reason: 'board deleted' })

    expect(await tokenStatus('b', board.id, BOB)).toBe(404)
    expect(await tokenStatus('v', board.viewId, BOB)).toBe(404)
    expect(await findBoardByLink('b', board.id)).toBeNull()
    expect(await findBoardByLink('v', board.viewId)).toBeNull()
    expect((await exportBoard(request(`${path}/export`), roomParams(board.id))).status).toBe(404)
    expect((await deleteBoard(request(path, { method: 'DELETE', as: ADA }), roomParams(board.id))).status).toBe(404)
    expect((await listFor(ADA)).some((entry) => entry.viewId === board.viewId)).toBe(false)
    expect((await listFor(ADA, '?trash=1')).find((entry) => entry.viewId === board.viewId)).toMatchObject({ roomId: board.id, owner: true, trashedAt })
    expect(await listFor(BOB, '?trash=1')).toEqual([])

    expect((await restoreBoard(request(`${path}/restore`, { method: 'POST', as: BOB }), roomParams(board.id))).status).toBe(403)
    const restored = await restoreBoard(request(`${path}/restore`, { method: 'POST', as: ADA }), roomParams(board.id))
    expect(restored.status).toBe(200)
    expect(await restored.json()).toEqual({ roomId: board.id, viewId: board.viewId })
    expect(await tokenStatus('b', board.id, BOB)).toBe(200)
    expect((await listFor(ADA)).some((entry) => entry.viewId === board.viewId)).toBe(true)
  })

  it('delete forever removes the board with its document, images, visits and thumbnail', async () => {
    const board = await createBoard('Gone', ADA)
    const client = await draw(board.id, board.id, 'shape:gone')
    const assetId = await upload(board.id)
    expect(await tokenStatus('b', board.id, ADA)).toBe(200)
    expect((await putThumbnail(request(`/api/boards/${board.id}/thumbnail`, { method: 'PUT', body: PNG }), roomParams(board.id))).status).toBe(204)
    client.destroy()
    const db = await database()
    await waitUntil(async () => (await db.roomUpdate.count({ where: { roomId: board.id } })) + (await db.roomSnapshot.count({ where: { roomId: board.id } })) > 0, 'the drawing stored')

    expect((await deleteBoard(request(`/api/boards/${board.id}`, { method: 'DELETE', as: ADA }), roomParams(board.id))).status).toBe(200)
    const byBob = await deleteBoard(request(`/api/boards/${board.id}?forever=1`, { method: 'DELETE', as: BOB }), roomParams(board.id))
    expect(byBob.status).toBe(403)
    const gone = await deleteBoard(request(`/api/boards/${board.id}?forever=1`, { method: 'DELETE', as: ADA }), roomParams(board.id))
    expect(gone.status).toBe(200)
    expect(await gone.json()).toEqual({ deleted: true })

    const where = { roomId: board.id }
    const left = await Promise.all([
      db.room.count({ where: { id: board.id } }),
      db.roomUpdate.count({ where }),
      db.roomSnapshot.count({ where }),
      db.asset.count({ where }),
      db.roomVisit.count({ where }),
      db.roomThumbnail.count({ where }),
    ])
    expect(left).toEqual([0, 0, 0, 0, 0, 0])
    expect((await getAsset(request(`/api/assets/${assetId}`), { params: Promise.resolve({ id: assetId }) })).status).toBe(404)
    expect((await restoreBoard(request(`/api/boards/${board.id}/restore`, { method: 'POST', as: ADA }), roomParams(board.id))).status).toBe(404)
  })

  it('duplicate: the copy is owned by the caller, holds the live state and its own images, and stays as it was when the original changes or goes', async () => {
    const original = await createBoard('Original', ADA)
    const assetId = await upload(original.id)
    const client = await draw(original.id, original.id, 'shape:one')
    boardRecords(client.doc).set('asset:dot', imageAsset(assetId) as never)
    await waitUntil(() => sync.server.rooms.get(original.id)?.doc.getMap(BOARD_RECORDS_MAP).has('asset:dot') === true, 'the asset record on the sync server')

    const unknown = await duplicateBoard(request(`/api/boards/${UNKNOWN}/duplicate`, { method: 'POST', as: BOB }), roomParams(UNKNOWN))
    expect(unknown.status).toBe(404)
    const answer = await duplicateBoard(request(`/api/boards/${original.id}/duplicate`, { method: 'POST', as: BOB, origin: APP }), roomParams(original.id))
    expect(answer.status).toBe(201)
    const copy = (await answer.json()) as { roomId: string; viewId: string }
    expect(copy.roomId).not.toBe(original.id)
    const db = await database()
    expect(await db.room.findUniqueOrThrow({ where: { id: copy.roomId } })).toMatchObject({ name: 'Copy of Original', ownerId: BOB, editId: copy.roomId, viewId: copy.viewId })
    const copiedAssets = await db.asset.findMany({ where: { roomId: copy.roomId }, select: { id: true, size: true } })
    expect(copiedAssets).toEqual([{ id: expect.not.stringMatching(assetId), size: PNG.byteLength }])

    boardRecords(client.doc).set('shape:after', shape('shape:after'))
    await waitUntil(() => sync.server.rooms.get(original.id)?.doc.getMap(BOARD_RECORDS_MAP).has('shape:after') === true, 'the later edit on the sync server')
    client.destroy()
    expect((await deleteBoard(request(`/api/boards/${original.id}`, { method: 'DELETE', as: ADA }), roomParams(original.id))).status).toBe(200)
    expect((await deleteBoard(request(`/api/boards/${original.id}?forever=1`, { method: 'DELETE', as: ADA }), roomParams(original.id))).status).toBe(200)

    const reader = await connected(copy.roomId, BOB)
    const records = reader.doc.getMap(BOARD_RECORDS_MAP)
    expect([...records.keys()].sort()).toEqual(['asset:dot', 'document:document', 'shape:one'])
    expect((records.get('document:document') as { name: string }).name).toBe('Copy of Original')
    const src = (records.get('asset:dot') as ReturnType<typeof imageAsset>).props.src
    expect(src).toBe(`/api/assets/${copiedAssets[0].id}`)
    const image = await getAsset(request(src), { params: Promise.resolve({ id: copiedAssets[0].id }) })
    expect(image.status).toBe(200)
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG)
    expect((await listFor(BOB)).find((entry) => entry.roomId === copy.roomId)).toMatchObject({ owner: true, name: 'Copy of Original' })
  })

  it('export a board as .tldr and import it back (JSON body and multipart); a corrupt or bad file creates nothing', async () => {
    const board = await createBoard('Plans: "Q3"/draft', ADA)
    const client = await draw(board.id, board.id, 'shape:exported')
    client.destroy()
    const exported = await exportBoard(request(`/api/boards/${board.id}/export`), roomParams(board.id))
    expect(exported.status).toBe(200)
    expect(exported.headers.get('content-disposition')).toBe(`attachment; filename="Plans Q3 draft.tldr"; filename*=UTF-8''Plans%20Q3%20draft.tldr`)
    const file = (await exported.json()) as { tldrawFileFormatVersion: number; schema: unknown; records: { id: string }[] }
    expect(file.tldrawFileFormatVersion).toBe(1)
    expect(file.records.map((record) => record.id)).toEqual(['shape:exported'])

    const imported = await importBoard(request('/api/boards/import', { method: 'POST', json: file, as: CAROL, origin: APP }))
    expect(imported.status).toBe(201)
    const { roomId } = (await imported.json()) as { roomId: string; viewId: string }
    const db = await database()
    expect(await db.room.findUniqueOrThrow({ where: { id: roomId } })).toMatchObject({ ownerId: CAROL, name: 'Imported board' })
    const reader = await connected(roomId, CAROL)
    expect(reader.doc.getMap(BOARD_RECORDS_MAP).get('shape:exported')).toEqual(shape('shape:exported'))

    const form = new FormData()
    form.set('file', new File([JSON.stringify(file)], 'Roadmap.tldr', { type: 'application/json' }))
    const encoded = new Response(form)
    const multipart = await importBoard(
      request('/api/boards/import', { method: 'POST', body: await encoded.arrayBuffer(), headers: { 'content-type': encoded.headers.get('content-type')! }, as: CAROL }),
    )
    expect(multipart.status).toBe(201)
    const fromForm = (await multipart.json()) as { roomId: string }
    expect((await db.room.findUniqueOrThrow({ where: { id: fromForm.roomId } })).name).toBe('Roadmap')

    const rooms = await db.room.count()
    const badShape = { ...geoShapeRecord('shape:bad'), props: { ...geoShapeRecord('shape:bad').props, w: 'wide' } }
    const bad = await importBoard(request('/api/boards/import', { method: 'POST', json: { ...file, records: [...file.records, badShape] }, as: CAROL }))
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/^record shape:bad: /) })
    const corrupt = await importBoard(request('/api/boards/import', { method: 'POST', json: '{"tldrawFileFormatVersion": 1, "records": [', as: CAROL }))
    expect(corrupt.status).toBe(400)
    expect(await corrupt.json()).toEqual({ error: expect.stringContaining('not JSON') })
    const tooLarge = await importBoard(request('/api/boards/import', { method: 'POST', body: 'x', headers: { 'content-length': String(10 * 1024 * 1024 + 1) }, as: CAROL }))
    expect(tooLarge.status).toBe(413)
    expect(await db.room.count()).toBe(rooms)
  })

  it('thumbnails: PNG or WebP by content, at most 256 KiB, any editor; served by view id and listed with a version', async () => {
    const board = await createBoard('Pictured', ADA)
    const path = `/api/boards/${board.id}/thumbnail`
    expect((await putThumbnail(request(path, { method: 'PUT', body: JPEG }), roomParams(board.id))).status).toBe(400)
    const tooBig = new Uint8Array(256 * 1024 + 1)
    tooBig.set(PNG)
    expect((await putThumbnail(request(path, { method: 'PUT', body: tooBig }), roomParams(board.id))).status).toBe(413)
    expect((await putThumbnail(request(`/api/boards/${board.viewId}/thumbnail`, { method: 'PUT', body: PNG }), roomParams(board.viewId))).status).toBe(404)
    expect((await getThumbnail(request(`/api/thumbnails/${board.viewId}`), { params: Promise.resolve({ viewId: board.viewId }) })).status).toBe(404)

    const stored = await putThumbnail(request(path, { method: 'PUT', body: PNG, as: BOB }), roomParams(board.id))
    expect(stored.status).toBe(204)
    const served = await getThumbnail(request(`/api/thumbnails/${board.viewId}`), { params: Promise.resolve({ viewId: board.viewId }) })
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG)
    expect((await getThumbnail(request(`/api/thumbnails/${board.id}`), { params: Promise.resolve({ viewId: board.id }) })).status).toBe(404)
    const listed = (await listFor(ADA)).find((entry) => entry.viewId === board.viewId)
    expect(listed?.thumbnailUrl).toMatch(new RegExp(`^/api/thumbnails/${board.viewId}\\?v=\\d+$`))

    expect((await deleteBoard(request(`/api/boards/${board.id}`, { method: 'DELETE', as: ADA }), roomParams(board.id))).status).toBe(200)
    const inTrash = (await listFor(ADA, '?trash=1')).find((entry) => entry.viewId === board.viewId)
    expect(inTrash?.thumbnailUrl).toMatch(new RegExp(`^/api/thumbnails/${board.viewId}\\?v=\\d+$`))
    const thumbnailOf = (as?: string) => getThumbnail(request(`/api/thumbnails/${board.viewId}`, { as }), { params: Promise.resolve({ viewId: board.viewId }) })
    expect((await thumbnailOf(ADA)).status).toBe(200)
    expect((await thumbnailOf(BOB)).status).toBe(404)
    expect((await thumbnailOf()).status).toBe(404)
  })

  it('refuse a cross-site Origin on every state-changing route (403), before doing anything', async () => {
    const board = await createBoard('Guarded', ADA)
    const evil = { origin: 'https://evil.example', as: ADA }
    const params = roomParams(board.id)
    const answers = [
      await renameBoard(request(`/api/boards/${board.id}`, { method: 'PATCH', json: { name: 'pwned' }, ...evil }), params),
      await deleteBoard(request(`/api/boards/${board.id}`, { method: 'DELETE', ...evil }), params),
      await restoreBoard(request(`/api/boards/${board.id}/restore`, { method: 'POST', ...evil }), params),
      await resetLink(request(`/api/boards/${board.id}/links`, { method: 'POST', json: { kind: 'edit' }, ...evil }), params),
      await duplicateBoard(request(`/api/boards/${board.id}/duplicate`, { method: 'POST', ...evil }), params),
      await putThumbnail(request(`/api/boards/${board.id}/thumbnail`, { method: 'PUT', body: PNG, ...evil }), params),
      await saveVersion(request(`/api/boards/${board.id}/versions`, { method: 'POST', json: { label: 'x' }, ...evil }), params),
      await importBoard(request('/api/boards/import', { method: 'POST', json: { tldrawFileFormatVersion: 1, schema: {}, records: [] }, ...evil })),
      await requestToken(request('/api/token', { method: 'POST', json: { link: 'b', id: board.id }, ...evil })),
      await uploadAsset(request('/api/assets', { method: 'POST', body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=x' }, ...evil })),
      await renameBoard(request(`/api/boards/${board.id}`, { method: 'PATCH', json: { name: 'pwned' }, as: ADA, origin: 'null' }), params),
    ]
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 403))
    const db = await database()
    expect(await db.room.findUniqueOrThrow({ where: { id: board.id } })).toMatchObject({ name: 'Guarded', editId: board.id, trashedAt: null })
    expect(await db.roomThumbnail.count({ where: { roomId: board.id } })).toBe(0)
  })

  it('list 50 boards quickly (presence included); figure printed for the report', async () => {
    const user = 'measure-guest-00001'
    for (let i = 0; i < 50; i++) await createBoard(`Board ${i}`, user)
    await listFor(user)
    const times: number[] = []
    for (let i = 0; i < 9; i++) {
      const started = performance.now()
      const boards = await listFor(user)
      times.push(performance.now() - started)
      expect(boards).toHaveLength(50)
    }
    times.sort((a, b) => a - b)
    console.warn(`GET /api/boards with 50 boards: median ${times[4].toFixed(1)} ms, max ${times[8].toFixed(1)} ms (${times.length} runs)`)
    expect(times[4]).toBeLessThan(500)
  })

  it('fail soft when the sync server is down: the list has nobody present; duplicate and export answer 503', async () => {
    const board = await createBoard('Offline', ADA)
    await sync.stop()
    expect((await listFor(ADA)).find((entry) => entry.viewId === board.viewId)).toMatchObject({ present: [] })
    const duplicate = await duplicateBoard(request(`/api/boards/${board.id}/duplicate`, { method: 'POST', as: ADA }), roomParams(board.id))
    expect(duplicate.status).toBe(503)
    expect((await exportBoard(request(`/api/boards/${board.id}/export`), roomParams(board.id))).status).toBe(503)
  })
})
