import { NextResponse, type NextRequest } from 'next/server'
import { guestOf } from '../../_server/boardAccess.ts'
import { listBoards } from '../../_server/boardList.ts'

/**
 * GET /api/boards[?trash=1][&q=…] → {boards}: the boards the caller (guest cookie) owns or opened
 * through a link that still works, newest activity first, with who is on each now; `trash=1`: the
 * caller's own boards in the trash; `q`: names holding it (case-insensitive). No cookie: none.
 */
export async function GET(request: NextRequest) {
  const userId = guestOf(request)
  const search = request.nextUrl.searchParams
  const boards = userId ? await listBoards(userId, { trash: search.get('trash') === '1', q: search.get('q') ?? undefined }) : []
  return NextResponse.json({ boards }, { headers: { 'cache-control': 'no-store' } })
}
