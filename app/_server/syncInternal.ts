import { NextResponse } from 'next/server'
import type { PresentPerson } from '../../lib/boards.ts'
import { signInternalToken, type InternalAction } from '../../lib/token.ts'
import { appConfig } from './config.ts'
import { readBodyWithin } from './requestBody.ts'

/** How long the app waits for the sync server: a restore of a large board decodes and encodes it a few times. */
const SYNC_TIMEOUT_MS = 30_000

const ENDPOINT_OF: Record<Exclude<InternalAction, 'presence'>, string> = { 'save-version': 'versions', restore: 'restore', revoke: 'revoke', 'read-state': 'state', rename: 'name' }

const UNREACHABLE = { error: 'the sync server is unreachable; try again shortly' }

/**
 * Posts `body` to one of the sync server's internal endpoints (docs/versions.md) at
 * SYNC_INTERNAL_URL with a 60-second internal token for this room and action. Answers the sync
 * server's response as it is, or null when it cannot be reached.
 */
export async function postSyncInternal(roomId: string, action: InternalAction, body: unknown, timeoutMs = SYNC_TIMEOUT_MS): Promise<Response | null> {
  const { syncInternalUrl, authSecret } = appConfig()
  const path = action === 'presence' ? '/internal/presence' : `/internal/rooms/${encodeURIComponent(roomId)}/${ENDPOINT_OF[action]}`
  try {
    return await fetch(`${syncInternalUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await signInternalToken(authSecret, roomId, action)}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    })
  } catch {
    return null
  }
}

/**
 * Calls an internal endpoint for a route handler and answers its response: the sync server's
 * status and JSON as they are, except a refused token (502: AUTH_SECRET differs between app and
 * sync server) and an unreachable sync server (503), each with a JSON error.
 */
export async function callSyncInternal(roomId: string, action: Exclude<InternalAction, 'presence'>, body: unknown): Promise<NextResponse> {
  const response = await postSyncInternal(roomId, action, body)
  if (!response) return NextResponse.json(UNREACHABLE, { status: 503 })
  const json: unknown = await response.json().catch(() => null)
  if (response.status === 401) return NextResponse.json({ error: 'the sync server refused the app (check that both use the same AUTH_SECRET)' }, { status: 502 })
  if (json === null || typeof json !== 'object') return NextResponse.json({ error: `the sync server answered ${response.status} without JSON` }, { status: 502 })
  return NextResponse.json(json, { status: response.status, headers: { 'cache-control': 'no-store' } })
}

/**
 * The room's whole live Yjs state (edits not stored yet included), read through the sync server;
 * or the route's error answer (404 for a room without a row, 502/503 as callSyncInternal).
 */
export async function readLiveState(roomId: string): Promise<Uint8Array | NextResponse> {
  const response = await postSyncInternal(roomId, 'read-state', {})
  if (!response) return NextResponse.json(UNREACHABLE, { status: 503 })
  if (response.ok) return new Uint8Array(await response.arrayBuffer())
  if (response.status === 404) return NextResponse.json({ error: 'unknown board' }, { status: 404 })
  if (response.status === 401) return NextResponse.json({ error: 'the sync server refused the app (check that both use the same AUTH_SECRET)' }, { status: 502 })
  return NextResponse.json({ error: `the sync server could not read the board (${response.status})` }, { status: 502 })
}

/** Why the sync server closes the sockets of a link: the link was reset, or the board left. */
export type RevokeReason = 'link revoked' | 'board deleted'

/**
 * Closes, on every sync server instance, the sockets of `roomId` opened with one of `linkIds` (all
 * of its sockets for "board deleted"). True when the sync server took the call; false when it was
 * unreachable or refused: the database change stands, and a reconnect with the old link is refused.
 */
export async function revokeLinks(roomId: string, linkIds: string[], reason: RevokeReason): Promise<boolean> {
  const response = await postSyncInternal(roomId, 'revoke', { linkIds, reason })
  await response?.body?.cancel()
  return response?.ok === true
}

/** Who is connected to a room right now, as the sync server's presence knows it. */
export type PresentUser = PresentPerson

/** The sync server takes at most this many rooms per presence call. */
const PRESENCE_ROOMS_PER_CALL = 200
/** A list page should not wait long for who is online: past this, it shows nobody. */
const PRESENCE_TIMEOUT_MS = 2_000

/**
 * Who is in each of `roomIds` (internal ids), in one call per 200 rooms. Fails soft: a room the
 * sync server does not mention, or every room when it is unreachable, has nobody present.
 */
export async function presenceOf(roomIds: string[]): Promise<Map<string, PresentUser[]>> {
  const present = new Map<string, PresentUser[]>()
  const chunks: string[][] = []
  for (let i = 0; i < roomIds.length; i += PRESENCE_ROOMS_PER_CALL) chunks.push(roomIds.slice(i, i + PRESENCE_ROOMS_PER_CALL))
  await Promise.all(
    chunks.map(async (rooms) => {
      const response = await postSyncInternal('*', 'presence', { rooms }, PRESENCE_TIMEOUT_MS)
      if (!response?.ok) return void (await response?.body?.cancel())
      const json = (await response.json().catch(() => null)) as { rooms?: Record<string, unknown> } | null
      for (const roomId of rooms) {
        const users = json?.rooms?.[roomId]
        if (!Array.isArray(users)) continue
        present.set(
          roomId,
          users.filter(isPresentUser).map(({ id, name, color }) => ({ id, name, color })),
        )
      }
    }),
  )
  return present
}

function isPresentUser(value: unknown): value is PresentUser {
  const user = value as Partial<PresentUser> | null
  return typeof user?.id === 'string' && typeof user.name === 'string' && typeof user.color === 'string'
}

/** The largest JSON body the board routes read: a restore of ten thousand shape ids fits. */
const MAX_JSON_REQUEST_BYTES = 1024 * 1024

/** A board route's JSON body: undefined when empty, null when not JSON or larger than MAX_JSON_REQUEST_BYTES. */
export async function readJsonRequest(request: Request): Promise<unknown> {
  const body = await readBodyWithin(request, MAX_JSON_REQUEST_BYTES)
  if (!body) return null
  if (body.byteLength === 0) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown
  } catch {
    return null
  }
}
