import { NextResponse, type NextRequest } from 'next/server'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { createBoardWithRecords, recordsOfState } from '../../../../_server/boardDocument.ts'
import { guestCookie, newGuestId } from '../../../../_server/guest.ts'
import { rateLimited } from '../../../../_server/rateLimit.ts'
import { readLiveState } from '../../../../_server/syncInternal.ts'

/**
 * POST /api/boards/<editId>/duplicate (any editor) → 201 {roomId, viewId}: a new board, owned by
 * the caller, named "Copy of <name>", holding the board as it is now (edits not stored yet
 * included: read through the sync server) with its own copies of the images. Counts as a new
 * board for BOARDS_PER_MIN.
 */
export async function POST(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const access = await boardAccess(request, (await params).roomId)
  if (access instanceof NextResponse) return access
  const limited = rateLimited(request, 'board')
  if (limited) return limited
  const { board } = access
  const state = await readLiveState(board.id)
  if (state instanceof NextResponse) return state
  const ownerId = access.userId ?? newGuestId()
  const copy = await createBoardWithRecords(`Copy of ${board.name}`, ownerId, recordsOfState(state))
  const response = NextResponse.json({ roomId: copy.id, viewId: copy.viewId }, { status: 201 })
  if (!access.userId) response.cookies.set(guestCookie(ownerId))
  return response
}
