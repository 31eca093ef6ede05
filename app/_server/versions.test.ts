import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { NextRequest } from 'next/server'
import type { VersionDetail, VersionSummary } from '../../lib/versions.ts'
import { testClients } from '../../server/testing/fixture.ts'
import { boardRecords, createTempDatabase, shape, startServer, TEST_SECRET, waitUntil, type TestServer } from '../../server/testing/support.ts'
import { GET as getVersion } from '../api/boards/[roomId]/versions/[id]/route.ts'
import { POST as restoreVersion } from '../api/boards/[roomId]/versions/[id]/restore/route.ts'
import { GET as listVersions, POST as saveVersion } from '../api/boards/[roomId]/versions/route.ts'
import { createBoard } from './boards.ts'
import { database } from './db.ts'
import { guestCookie } from './guest.ts'

const UNKNOWN_VERSION_ID = 'A'.repeat(22)

function request(path: string, options: { method?: string; body?: string; cookie?: string } = {}): NextRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.cookie) headers.cookie = options.cookie
  return new NextRequest(`http://localhost:3000${path}`, { method: options.method ?? 'GET', body: options.body, headers })
}

const post = (path: string, body: unknown, cookie?: string) =>
  request(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), cookie })

const roomParams = (roomId: string) => ({ params: Promise.resolve({ roomId }) })
const versionParams = (roomId: string, id: string) => ({ params: Promise.resolve({ roomId, id }) })

describe('the versions API', () => {
  let temp: Awaited<ReturnType<typeof createTempDatabase>>
  let sync: TestServer
  let board: { id: string; viewId: string }
  let cookie: string

  beforeAll(async () => {
    temp = await createTempDatabase()
    sync = await startServer(temp.url)
    vi.stubEnv('DATABASE_URL', temp.url)
    vi.stubEnv('AUTH_SECRET', TEST_SECRET)
    vi.stubEnv('SYNC_INTERNAL_URL', `http://127.0.0.1:${sync.port}`)
    board = await createBoard('history')
    const guest = guestCookie('ada-guest-id-0001')
    cookie = `${guest.name}=${guest.value}`
  })

  afterAll(async () => {
    await sync.stop()
    await (await database()).$disconnect()
    delete (globalThis as { whiteboardDb?: unknown }).whiteboardDb
    vi.unstubAllEnvs()
    await temp.remove()
  })

  it('save, list, read and restore a version of a board being edited', async () => {
    const client = testClients(sync.url).connect(board.id, { sub: 'ada-guest-id-0001', name: 'Ada' })
    await waitUntil(() => client.provider.synced, 'the client synced')
    const drawn = shape('shape:a', { note: 'in v1' })
    boardRecords(client.doc).set('shape:a', drawn)
    await waitUntil(() => sync.server.rooms.get(board.id)?.doc.getMap('records').has('shape:a') === true, 'the shape on the sync server')

    const saved = await saveVersion(post(`/api/boards/${board.id}/versions`, { label: 'v1' }), roomParams(board.id))
    expect(saved.status).toBe(201)
    const v1 = (await saved.json()) as VersionSummary
    expect(v1).toMatchObject({ kind: 'named', label: 'v1', shapeCount: 1 })

    const listed = await listVersions(request(`/api/boards/${board.id}/versions`), roomParams(board.id))
    expect(listed.status).toBe(200)
    expect(await listed.json()).toEqual([v1])

    const read = await getVersion(request(`/api/boards/${board.id}/versions/${v1.id}`), versionParams(board.id, v1.id))
    expect(read.status).toBe(200)
    expect(await read.json()).toEqual({ version: v1, records: [drawn] } satisfies VersionDetail)

    boardRecords(client.doc).delete('shape:a')
    await waitUntil(() => sync.server.rooms.get(board.id)?.doc.getMap('records').has('shape:a') === false, 'the deletion on the sync server')
    const restored = await restoreVersion(post(`/api/boards/${board.id}/versions/${v1.id}/restore`, { shapeIds: ['shape:a'], name: 'Ada' }, cookie), versionParams(board.id, v1.id))
    expect(restored.status).toBe(200)
    const { beforeRestore, versions } = (await restored.json()) as { beforeRestore: VersionSummary; versions: VersionSummary[] }
    expect(beforeRestore).toMatchObject({ kind: 'before-restore', label: 'Before Ada restored 1 shape from "v1"', shapeCount: 0 })
    expect(versions.map((version) => version.id)).toEqual([beforeRestore.id, v1.id])
    await waitUntil(() => boardRecords(client.doc).has('shape:a'), 'the shape back at the client', 1_000)
    expect(boardRecords(client.doc).get('shape:a')).toEqual(drawn)

    const beforeUndo = await saveVersion(post(`/api/boards/${board.id}/versions`, { label: 'before my undo', kind: 'before-restore' }), roomParams(board.id))
    expect(beforeUndo.status).toBe(201)
    expect(await beforeUndo.json()).toMatchObject({ kind: 'before-restore', label: 'before my undo', shapeCount: 1 })
  })

  it('answer 404 for a view id, an unknown board or an unknown version', async () => {
    const { viewId } = board
    const answers = [
      await listVersions(request(`/api/boards/${viewId}/versions`), roomParams(viewId)),
      await saveVersion(post(`/api/boards/${viewId}/versions`, { label: 'x' }), roomParams(viewId)),
      await getVersion(request(`/api/boards/${viewId}/versions/${UNKNOWN_VERSION_ID}`), versionParams(viewId, UNKNOWN_VERSION_ID)),
      await restoreVersion(post(`/api/boards/${viewId}/versions/${UNKNOWN_VERSION_ID}/restore`, {}, cookie), versionParams(viewId, UNKNOWN_VERSION_ID)),
      await listVersions(request('/api/boards/nope/versions'), roomParams('nope')),
      await getVersion(request(`/api/boards/${board.id}/versions/${UNKNOWN_VERSION_ID}`), versionParams(board.id, UNKNOWN_VERSION_ID)),
      await getVersion(request(`/api/boards/${board.id}/versions/bad`), versionParams(board.id, 'bad')),
      await restoreVersion(post(`/api/boards/${board.id}/versions/${UNKNOWN_VERSION_ID}/restore`, {}, cookie), versionParams(board.id, UNKNOWN_VERSION_ID)),
    ]
    for (const answer of answers) {
      expect(answer.status).toBe(404)
      expect(await answer.json()).toEqual({ error: expect.any(String) })
    }
  })

  it('answer 400 for bad bodies and 401 for a restore without the guest cookie', async () => {
    const listed = (await (await listVersions(request(`/api/boards/${board.id}/versions`), roomParams(board.id))).json()) as VersionSummary[]
    const versionId = listed[0].id
    const badSaves = ['not json', { label: '' }, { label: 'x'.repeat(101) }, { label: 'ok', kind: 'auto' }, { kind: 'named' }]
    for (const body of badSaves) {
      const answer = await saveVersion(post(`/api/boards/${board.id}/versions`, body), roomParams(board.id))
      expect({ body, status: answer.status }).toEqual({ body, status: 400 })
      expect(await answer.json()).toEqual({ error: expect.any(String) })
    }
    const restorePath = `/api/boards/${board.id}/versions/${versionId}/restore`
    for (const body of ['not json', { shapeIds: 'shape:a' }, { shapeIds: ['shape:not-in-the-version'] }]) {
      const answer = await restoreVersion(post(restorePath, body, cookie), versionParams(board.id, versionId))
      expect({ body, status: answer.status }).toEqual({ body, status: 400 })
    }
    const noCookie = await restoreVersion(post(restorePath, {}), versionParams(board.id, versionId))
    expect(noCookie.status).toBe(401)
    const forgedCookie = await restoreVersion(post(restorePath, {}, 'wb_guest=someone.forged'), versionParams(board.id, versionId))
    expect(forgedCookie.status).toBe(401)
    expect(await (await listVersions(request(`/api/boards/${board.id}/versions`), roomParams(board.id))).json()).toEqual(listed)
  })

  it('answer 503 when the sync server is unreachable', async () => {
    await sync.stop()
    const answer = await saveVersion(post(`/api/boards/${board.id}/versions`, { label: 'offline' }), roomParams(board.id))
    expect(answer.status).toBe(503)
    expect(await answer.json()).toEqual({ error: expect.stringContaining('unreachable') })
  })
})
