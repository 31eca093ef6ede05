import { NextResponse, type NextRequest } from 'next/server'
import { z } from 'zod'
import { signRoomToken } from '../../../lib/token.ts'
import { crossSiteRefusal } from '../../_server/boardAccess.ts'
import { findBoardByLink } from '../../_server/boards.ts'
import { appConfig } from '../../_server/config.ts'
import { GUEST_COOKIE, guestCookie, newGuestId, readGuestCookie } from '../../_server/guest.ts'
import { publicSyncUrl } from '../../_server/syncUrl.ts'
import { rateLimited } from '../../_server/rateLimit.ts'
import { recordVisit } from '../../_server/visits.ts'

/** Room tokens are short-lived: the browser fetches a fresh one for every (re)connection. */
const TOKEN_TTL_SECONDS = 120

const tokenRequest = z.object({
  link: z.enum(['b', 'v']),
  id: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(64).catch('Guest'),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .catch('#1f77b4'),
})

/**
 * POST /api/token {link, id, name, color}: a room token for the board the link points at (404 for
 * an unknown, reset or trashed link), and a record that this guest opened it (the board list).
 */
export async function POST(request: NextRequest) {
  const crossSite = crossSiteRefusal(request)
  if (crossSite) return crossSite
  const limited = rateLimited(request, 'token')
  if (limited) return limited
  const parsed = tokenRequest.safeParse(await request.json().catch(() => null))
  if (!parsed.success) return NextResponse.json({ error: 'invalid request' }, { status: 400 })
  const { link, id, name, color } = parsed.data
  const board = await findBoardByLink(link, id)
  if (!board) return NextResponse.json({ error: 'unknown board' }, { status: 404 })

  const existingGuest = readGuestCookie(request.cookies.get(GUEST_COOKIE)?.value)
  const userId = existingGuest ?? newGuestId()
  await recordVisit(userId, board.id, link, id)
  // The token's room is the id the link carries: the sync server maps a view id to its room itself.
  const token = await signRoomToken({ sub: userId, name, color, room: id, scope: board.scope }, appConfig().authSecret, TOKEN_TTL_SECONDS)
  const response = NextResponse.json(
    { token, scope: board.scope, room: id, syncUrl: publicSyncUrl(request), userId },
    { headers: { 'cache-control': 'no-store' } },
  )
  if (!existingGuest) response.cookies.set(guestCookie(userId))
  return response
}
