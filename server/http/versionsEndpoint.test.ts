import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { recordsOfState } from '../../lib/db/versions.ts'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { signInternalToken, signRoomToken, type InternalAction } from '../../lib/token.ts'
import { checkVersionLabel, VERSION_LABEL_MAX_CHARS, type VersionSummary } from '../../lib/versions.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import { beforeRestoreLabel } from './versionsEndpoint.ts'
import { boardRecords, shape, storedDoc, TEST_SECRET, waitUntil, type ProviderClient } from '../testing/support.ts'

const ROOM = 'versions-room'
const ADA = { id: 'ada-guest-id-0001', name: 'Ada' }

/** Calls an internal endpoint of `server` with a token for `action` (or the given token, or none). */
async function callInternal(
  server: StartedTestServer,
  endpoint: 'versions' | 'restore',
  body: unknown,
  options: { room?: string; token?: string | null; action?: InternalAction; method?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const room = options.room ?? ROOM
  const action = options.action ?? (endpoint === 'versions' ? 'save-version' : 'restore')
  const token = options.token === undefined ? await signInternalToken(TEST_SECRET, room, action) : options.token
  const response = await fetch(`http://127.0.0.1:${server.port}/internal/rooms/${room}/${endpoint}`, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: options.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

async function saveNamed(server: StartedTestServer, label: string): Promise<VersionSummary> {
  const { status, json } = await callInternal(server, 'versions', { label })
  expect(status).toBe(201)
  return json as VersionSummary
}

/** A client's board records, by id. */
function recordsOf(client: ProviderClient): Record<string, unknown> {
  return boardRecords(client.doc).toJSON()
}

/** The server's live board records for ROOM, by id (empty when the room is not loaded). */
function serverRecords(server: StartedTestServer, room = ROOM): Record<string, unknown> {
  return server.server.rooms.get(room)?.doc.getMap(BOARD_RECORDS_MAP).toJSON() ?? {}
}

/** Two connected, synced clients, and the shapes `a` drew, on the server. */
async function twoClientsWithShapes(server: StartedTestServer, ids: string[]): Promise<[ProviderClient, ProviderClient]> {
  const a = server.connect(ROOM, { sub: ADA.id, name: ADA.name })
  const b = server.connect(ROOM, { sub: 'bob-guest-id-0001', name: 'Bob' })
  await waitUntil(() => a.provider.synced && b.provider.synced, 'both clients synced')
  a.doc.transact(() => {
    for (const id of ids) boardRecords(a.doc).set(id, shape(id, { note: `drawn ${id}` }))
  })
  await waitUntil(() => ids.every((id) => boardRecords(b.doc).has(id) && id in serverRecords(server)), 'the shapes on the server and at b')
  return [a, b]
}

function byId(records: unknown[]): Record<string, unknown> {
  return Object.fromEntries(records.map((record) => [(record as { id: string }).id, record]))
}

async function versionRecords(server: StartedTestServer, versionId: string): Promise<Record<string, unknown>> {
  const found = await server.store.readVersion(ROOM, versionId)
  expect(found).not.toBeNull()
  return byId(recordsOfState(found!.state))
}

describe('internal version endpoints', () => {
  it('accept only an internal token for the room and action', async () => {
    const server = await startTestServer()
    await twoClientsWithShapes(server, ['shape:a'])
    const roomToken = await signRoomToken({ sub: ADA.id, name: ADA.name, room: ROOM, scope: 'edit' }, TEST_SECRET)
    const refused = [
      await callInternal(server, 'versions', { label: 'x' }, { token: null }),
      await callInternal(server, 'versions', { label: 'x' }, { token: roomToken }),
      await callInternal(server, 'versions', { label: 'x' }, { action: 'restore' }),
      await callInternal(server, 'versions', { label: 'x' }, { token: await signInternalToken(TEST_SECRET, 'other-room', 'save-version') }),
      await callInternal(server, 'versions', { label: 'x' }, { token: await signInternalToken(`${TEST_SECRET}x`, ROOM, 'save-version') }),
    ]
    for (const answer of refused) expect(answer).toEqual({ status: 401, json: { error: 'missing or invalid internal token' } })
    expect(await server.store.listVersions(ROOM)).toEqual([])
    expect((await callInternal(server, 'versions', { label: 'x' })).status).toBe(201)
  })

  it('save a named version that holds an edit made a moment ago, not yet stored', async () => {
    // Writes wait a minute: the edit is only in the live document when the version is made.
    const server = await startTestServer({ config: { persistIntervalMs: 60_000 } })
    const [a] = await twoClientsWithShapes(server, ['shape:a'])
    boardRecords(a.doc).set('shape:late', shape('shape:late', { note: 'a moment ago' }))
    await waitUntil(() => 'shape:late' in serverRecords(server), 'the edit on the server')
    expect((await storedDoc(server.database.url, ROOM)).getMap(BOARD_RECORDS_MAP).has('shape:late')).toBe(false)

    const version = await saveNamed(server, '  right after  ')
    expect(version).toMatchObject({ kind: 'named', label: 'right after', shapeCount: 2 })
    expect(await versionRecords(server, version.id)).toEqual(serverRecords(server))
  })

  it('restore a whole version live for both clients, with a before-restore version that restores the state before exactly', async () => {
    const server = await startTestServer()
    const [a, b] = await twoClientsWithShapes(server, ['shape:a', 'shape:b'])
    const v1 = await saveNamed(server, 'v1')
    const atV1 = recordsOf(a)
    // B deletes a shape, moves another and draws a new one.
    b.doc.transact(() => {
      const records = boardRecords(b.doc)
      records.delete('shape:a')
      records.set('shape:b', { ...records.get('shape:b')!, x: 640 })
      records.set('shape:c', shape('shape:c'))
    })
    await waitUntil(() => !('shape:a' in recordsOf(a)) && 'shape:c' in serverRecords(server), 'b’s edits at a and on the server')
    const beforeRestoreState = recordsOf(a)

    const restored = await callInternal(server, 'restore', { versionId: v1.id, by: ADA })
    expect(restored.status).toBe(200)
    const { beforeRestore, versions } = restored.json as { beforeRestore: VersionSummary; versions: VersionSummary[] }
    expect(beforeRestore).toMatchObject({ kind: 'before-restore', label: 'Before Ada restored "v1"', shapeCount: 2 })
    expect(versions[0]).toEqual(beforeRestore)
    expect(versions.map((version) => version.id)).toContain(v1.id)
    await waitUntil(() => isDeepStrictEqual(recordsOf(a), atV1) && isDeepStrictEqual(recordsOf(b), atV1), 'both clients at v1', 1_000)
    await waitUntil(async () => isDeepStrictEqual((await storedDoc(server.database.url, ROOM)).getMap(BOARD_RECORDS_MAP).toJSON(), atV1), 'v1 stored')

    expect(await versionRecords(server, beforeRestore.id)).toEqual(beforeRestoreState)
    const undone = await callInternal(server, 'restore', { versionId: beforeRestore.id, by: ADA })
    expect(undone.status).toBe(200)
    await waitUntil(() => isDeepStrictEqual(recordsOf(a), beforeRestoreState) && isDeepStrictEqual(recordsOf(b), beforeRestoreState), 'both clients back before the restore', 1_000)
    expect(serverRecords(server)).toEqual(beforeRestoreState)
  })

  it('restore one deleted shape with its properties, leaving every other shape as it is now', async () => {
    const server = await startTestServer()
    const [a, b] = await twoClientsWithShapes(server, ['shape:a', 'shape:b'])
    const v1 = await saveNamed(server, 'v1')
    const original = boardRecords(a.doc).get('shape:a')
    b.doc.transact(() => {
      const records = boardRecords(b.doc)
      records.delete('shape:a')
      records.set('shape:b', { ...records.get('shape:b')!, x: 640 })
    })
    await waitUntil(() => !('shape:a' in recordsOf(a)) && recordsOf(a)['shape:b'] !== undefined && boardRecords(a.doc).get('shape:b')!.x === 640, 'b’s edits at a')

    const restored = await callInternal(server, 'restore', { versionId: v1.id, shapeIds: ['shape:a'], by: ADA })
    expect(restored.status).toBe(200)
    expect((restored.json as { beforeRestore: VersionSummary }).beforeRestore.label).toBe('Before Ada restored 1 shape from "v1"')
    await waitUntil(() => boardRecords(a.doc).has('shape:a') && boardRecords(b.doc).has('shape:a'), 'shape:a back at both clients', 1_000)
    expect(boardRecords(b.doc).get('shape:a')).toEqual(original)
    expect(boardRecords(b.doc).get('shape:b')!.x).toBe(640)
    expect(boardRecords(a.doc).get('shape:b')!.x).toBe(640)
  })

  it('load a room nobody is in for a restore, and evict it afterwards', async () => {
    const server = await startTestServer()
    const [a, b] = await twoClientsWithShapes(server, ['shape:a'])
    const v1 = await saveNamed(server, 'v1')
    boardRecords(a.doc).delete('shape:a')
    await waitUntil(() => !('shape:a' in serverRecords(server)), 'the deletion on the server')
    a.destroy()
    b.destroy()
    await waitUntil(() => server.server.rooms.get(ROOM) === undefined, 'the room evicted')

    expect((await callInternal(server, 'restore', { versionId: v1.id, by: ADA })).status).toBe(200)
    await waitUntil(() => server.server.rooms.get(ROOM) === undefined, 'the room evicted after the restore')
    expect(Object.keys((await storedDoc(server.database.url, ROOM)).getMap(BOARD_RECORDS_MAP).toJSON())).toEqual(['shape:a'])
  })

  it('refuse with 422 a version whose records no longer pass validation, changing nothing live', async () => {
    const server = await startTestServer()
    const [a] = await twoClientsWithShapes(server, ['shape:a'])
    await waitUntil(async () => (await storedDoc(server.database.url, ROOM)).getMap(BOARD_RECORDS_MAP).has('shape:a'), 'shape:a stored')
    // A version made outside the validation live edits go through (as an older server's version could be).
    const invalid = await storedDoc(server.database.url, ROOM)
    invalid.getMap(BOARD_RECORDS_MAP).set('shape:bad', { ...shape('shape:bad'), x: 'not a number' })
    const version = await server.store.saveVersion(ROOM, {
      kind: 'named',
      label: 'invalid',
      live: () => ({ doc: invalid, state: Y.encodeStateAsUpdate(invalid) }),
      skipIfUnchanged: false,
    })
    const answer = await callInternal(server, 'restore', { versionId: version!.id, by: ADA })
    expect(answer.status).toBe(422)
    expect(answer.json).toEqual({ error: expect.stringContaining('does not pass validation') })
    expect(Object.keys(serverRecords(server))).toEqual(['shape:a'])
    expect(Object.keys(recordsOf(a))).toEqual(['shape:a'])
  })

  it('refuse with 409 a restore that would make the board larger than MAX_DOC_BYTES', async () => {
    const first = await startTestServer()
    const [a] = await twoClientsWithShapes(first, ['shape:a'])
    boardRecords(a.doc).set('shape:big', shape('shape:big', { note: 'x'.repeat(200_000) }))
    await waitUntil(() => 'shape:big' in serverRecords(first), 'the big shape on the server')
    const big = await saveNamed(first, 'big')
    boardRecords(a.doc).delete('shape:big')
    await waitUntil(() => !('shape:big' in serverRecords(first)), 'the deletion on the server')
    await first.stop()
    // The same database served with a limit the small board fits and the big version does not.
    const server = await startTestServer({ database: first.database, config: { maxDocBytes: 100_000 } })
    const answer = await callInternal(server, 'restore', { versionId: big.id, by: ADA })
    expect(answer).toEqual({ status: 409, json: { error: 'the restored board would be larger than MAX_DOC_BYTES' } })
    expect(Object.keys((await storedDoc(server.database.url, ROOM)).getMap(BOARD_RECORDS_MAP).toJSON())).toEqual(['shape:a'])
  })

  it('answer bad requests with 400, unknown versions and paths with 404, other methods with 405', async () => {
    const server = await startTestServer()
    await twoClientsWithShapes(server, ['shape:a'])
    const v1 = await saveNamed(server, 'v1')
    const badRequests: [endpoint: 'versions' | 'restore', body: unknown][] = [
      ['versions', 'not json'],
      ['versions', {}],
      ['versions', { label: '' }],
      ['versions', { label: 'x'.repeat(101) }],
      ['versions', { label: 'two\nlines' }],
      ['versions', { label: 'x', kind: 'auto' }],
      ['restore', { by: ADA }],
      ['restore', { versionId: 'short', by: ADA }],
      ['restore', { versionId: v1.id }],
      ['restore', { versionId: v1.id, by: ADA, shapeIds: 'shape:a' }],
      ['restore', { versionId: v1.id, by: ADA, shapeIds: [] }],
      ['restore', { versionId: v1.id, by: ADA, shapeIds: ['shape:missing'] }],
    ]
    for (const [endpoint, body] of badRequests) {
      const { status, json } = await callInternal(server, endpoint, body)
      expect({ endpoint, body, status }).toEqual({ endpoint, body, status: 400 })
      expect(json).toEqual({ error: expect.any(String) })
    }
    expect(await callInternal(server, 'restore', { versionId: 'A'.repeat(22), by: ADA })).toEqual({ status: 404, json: { error: 'unknown version' } })
    expect((await callInternal(server, 'restore', { versionId: v1.id, by: ADA }, { room: 'another-room' })).status).toBe(404)
    expect((await callInternal(server, 'versions', null, { method: 'GET' })).status).toBe(405)
    const unknownPath = await fetch(`http://127.0.0.1:${server.port}/internal/rooms/${ROOM}/other`, { method: 'POST' })
    expect(unknownPath.status).toBe(404)
    // Nothing was restored or saved by the refused requests.
    expect((await server.store.listVersions(ROOM)).map((version) => version.id)).toEqual([v1.id])
  })
})

describe('beforeRestoreLabel', () => {
  const version = (label: string | null): VersionSummary => ({ id: 'A'.repeat(22), createdAt: '2026-12-02T09:02:41.005Z', kind: 'named', label, authors: [], shapeCount: 1 })

  it('says who restored what, and names a version without a label by its time', () => {
    expect(beforeRestoreLabel('Ada', version('v1'), undefined)).toBe('Before Ada restored "v1"')
    expect(beforeRestoreLabel('Ada', version('v1'), 2)).toBe('Before Ada restored 2 shapes from "v1"')
    expect(beforeRestoreLabel('Ada', version(null), 1)).toBe('Before Ada restored 1 shape from the version of 2026-12-02 09:02 UTC')
  })

  it('stays a valid label: within the limit, on one line', () => {
    const label = beforeRestoreLabel(`A\nda${'x'.repeat(100)}`, version('y'.repeat(VERSION_LABEL_MAX_CHARS)), 10_000)
    expect([...label].length).toBeLessThanOrEqual(VERSION_LABEL_MAX_CHARS)
    expect(checkVersionLabel(label)).toEqual({ label })
    expect(label).toMatch(/^Before A dax+ restored 10000 shapes from "y+…"$/)
  })
})
