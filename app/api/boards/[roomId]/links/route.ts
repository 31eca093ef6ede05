import { NextResponse, type NextRequest } from 'next/server'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { newBoardId } from '../../../../_server/boards.ts'
import { database } from '../../../../_server/db.ts'
import { readJsonRequest, revokeLinks } from '../../../../_server/syncInternal.ts'

/**
 * POST /api/boards/<editId>/links {kind: "edit" | "view"} (owner): gives the board a new edit or
 * view link id → {roomId, viewId}. The old link stops working: its pages and token requests are
 * 404, and the sync server closes every socket opened with it, on every instance (4410).
 */
export async function POST(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const access = await boardAccess(request, (await params).roomId, { owner: true })
  if (access instanceof NextResponse) return access
  const kind = ((await readJsonRequest(request)) as { kind?: unknown } | null | undefined)?.kind
  if (kind !== 'edit' && kind !== 'view') return NextResponse.json({ error: 'body must be JSON: { "kind": "edit" | "view" }' }, { status: 400 })
  const { board } = access
  const fresh = newBoardId()
  const db = await database()
  const room = await db.room.update({
    where: { id: board.id },
    data: kind === 'edit' ? { editId: fresh } : { viewId: fresh },
    select: { editId: true, viewId: true },
  })
  await revokeLinks(board.id, [kind === 'edit' ? board.roomId : board.viewId], 'link revoked')
  return NextResponse.json({ roomId: room.editId, viewId: room.viewId })
}
