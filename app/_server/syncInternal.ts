import { NextResponse } from 'next/server'
import { signInternalToken, type InternalAction } from '../../lib/token.ts'
import { appConfig } from './config.ts'
import { readBodyWithin } from './requestBody.ts'

/** How long the app waits for the sync server: a restore of a large board decodes and encodes it a few times. */
const SYNC_TIMEOUT_MS = 30_000

const ENDPOINT_OF: Record<Exclude<InternalAction, 'presence'>, string> = { 'save-version': 'versions', restore: 'restore', revoke: 'revoke', 'read-state': 'state', rename: 'name' }

/**
 * Calls one of the sync server's internal endpoints (docs/versions.md) at SYNC_INTERNAL_URL with
 * a 60-second internal token for this room and action, and answers the route handler's response:
 * the sync server's status and JSON as they are, except a refused token (502: AUTH_SECRET differs
 * between app and sync server) and an unreachable sync server (503), each with a JSON error.
 */
export async function callSyncInternal(roomId: string, action: Exclude<InternalAction, 'presence'>, body: unknown): Promise<NextResponse> {
  const { syncInternalUrl, authSecret } = appConfig()
  let response: Response
  try {
    response = await fetch(`${syncInternalUrl}/internal/rooms/${encodeURIComponent(roomId)}/${ENDPOINT_OF[action]}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await signInternalToken(authSecret, roomId, action)}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SYNC_TIMEOUT_MS),
      cache: 'no-store',
    })
  } catch {
    return NextResponse.json({ error: 'the sync server is unreachable; try again shortly' }, { status: 503 })
  }
  const json: unknown = await response.json().catch(() => null)
  if (response.status === 401) return NextResponse.json({ error: 'the sync server refused the app (check that both use the same AUTH_SECRET)' }, { status: 502 })
  if (json === null || typeof json !== 'object') return NextResponse.json({ error: `the sync server answered ${response.status} without JSON` }, { status: 502 })
  return NextResponse.json(json, { status: response.status, headers: { 'cache-control': 'no-store' } })
}

/** The largest body the version routes read: a restore of ten thousand shape ids fits. */
const MAX_VERSION_REQUEST_BYTES = 1024 * 1024

/** A version route's JSON body: undefined when empty, null when not JSON or larger than MAX_VERSION_REQUEST_BYTES. */
export async function readVersionRequest(request: Request): Promise<unknown> {
  const body = await readBodyWithin(request, MAX_VERSION_REQUEST_BYTES)
  if (!body) return null
  if (body.byteLength === 0) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown
  } catch {
    return null
  }
}
