import type { Scope } from '../protocol.ts'
import type { BoardLink, GuestIdentity } from './boardSession.ts'

/** What `POST /api/token` answers. */
export interface RoomTokenResponse {
  token: string
  scope: Scope
  room: string
  syncUrl: string
  userId: string
}

export class TokenRequestError extends Error {
  /** The board is gone or the link no longer valid: reconnecting cannot help. */
  readonly permanent: boolean

  constructor(readonly status: number) {
    super(`token request failed with HTTP ${status}`)
    this.permanent = status === 403 || status === 404
  }
}

export async function requestRoomToken(link: BoardLink, identity: GuestIdentity): Promise<RoomTokenResponse> {
  const response = await fetch('/api/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.kind, id: link.id, name: identity.name, color: identity.color }),
  })
  if (!response.ok) throw new TokenRequestError(response.status)
  return (await response.json()) as RoomTokenResponse
}

// Tokens live 120 s (app/api/token/route.ts); an early one older than this is not used.
const EARLY_TOKEN_FRESH_MS = 20_000

interface EarlyRequest {
  key: string
  at: number
  response: Promise<RoomTokenResponse>
}

let early: EarlyRequest | null = null

function keyOf(link: BoardLink, identity: GuestIdentity): string {
  return JSON.stringify([link.kind, link.id, identity.name, identity.color])
}

/**
 * Asks for the board's first room token as soon as the page starts (components/BoardLoader.tsx),
 * while the editor's code still downloads, instead of after it; `openBoardSession` takes it. This
 * module imports neither tldraw nor Yjs, so it is in the page's first scripts.
 */
export function requestRoomTokenEarly(link: BoardLink, identity: GuestIdentity): void {
  const key = keyOf(link, identity)
  if (early?.key === key && Date.now() - early.at < EARLY_TOKEN_FRESH_MS) return
  const response = requestRoomToken(link, identity)
  // A failure is seen (and retried) by whoever takes the request.
  response.catch(() => {})
  early = { key, at: Date.now(), response }
}

/** The early request for this link and identity (once), or a new request when there is none or it is stale. */
export function takeRoomToken(link: BoardLink, identity: GuestIdentity): Promise<RoomTokenResponse> {
  const taken = early
  early = null
  if (taken && taken.key === keyOf(link, identity) && Date.now() - taken.at < EARLY_TOKEN_FRESH_MS) return taken.response
  return requestRoomToken(link, identity)
}
