import { NextResponse, type NextRequest } from 'next/server'
import { findBoardByLink, type LinkedBoard } from './boards.ts'
import { GUEST_COOKIE, readGuestCookie } from './guest.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The guest the request's cookie names, or null (no cookie, or a forged one). */
export function guestOf(request: NextRequest): string | null {
  return readGuestCookie(request.cookies.get(GUEST_COOKIE)?.value)
}

/** The app's own origin as the browser addressed it: the Host (or the proxy's X-Forwarded-Host) and scheme. */
function ownHosts(request: NextRequest): Set<string> {
  const url = new URL(request.url)
  const hosts = new Set([url.host])
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host')
  if (host) hosts.add(host)
  return hosts
}

/**
 * 403 for a state-changing request (POST, PATCH, PUT, DELETE) whose Origin is present and not the
 * app's own: another site's page cannot make a visitor's browser act with their guest cookie. A
 * request without Origin (curl, scripts, same-origin GETs) is not a browser's cross-site one.
 */
export function crossSiteRefusal(request: NextRequest): NextResponse | null {
  if (SAFE_METHODS.has(request.method)) return null
  const origin = request.headers.get('origin')
  if (origin === null) return null
  let host: string | null = null
  try {
    host = origin === 'null' ? null : new URL(origin).host
  } catch {
    host = null
  }
  if (host !== null && ownHosts(request).has(host)) return null
  return NextResponse.json({ error: 'cross-site request refused' }, { status: 403 })
}

export interface BoardAccess {
  board: LinkedBoard
  /** The caller's guest id (null without a valid guest cookie). */
  userId: string | null
}

export interface AccessNeeds {
  /** Only the board's owner may (403 for anyone else, and for boards without an owner). */
  owner?: boolean
  /** Trashed boards are found too (restore, delete forever); otherwise they are 404 like unknown ones. */
  includeTrashed?: boolean
}

/**
 * The one gate of every route that acts on a board through its edit id: refuses a cross-site
 * Origin on state-changing methods (403), an unknown, reset or trashed edit id (404), and a
 * non-owner for owner-only actions (403). Answers the board and caller, or the refusal to return.
 */
export async function boardAccess(request: NextRequest, editId: string, needs: AccessNeeds = {}): Promise<BoardAccess | NextResponse> {
  const crossSite = crossSiteRefusal(request)
  if (crossSite) return crossSite
  const board = await findBoardByLink('b', editId, { includeTrashed: needs.includeTrashed })
  if (!board) return NextResponse.json({ error: 'unknown board' }, { status: 404 })
  const userId = guestOf(request)
  if (needs.owner && (board.ownerId === null || board.ownerId !== userId)) {
    return NextResponse.json({ error: "only the board's owner can do this" }, { status: 403 })
  }
  return { board, userId }
}
