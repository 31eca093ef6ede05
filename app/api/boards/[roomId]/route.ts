import { NextResponse, type NextRequest } from 'next/server'
import { boardAccess } from '../../../_server/boardAccess.ts'
import { database } from '../../../_server/db.ts'
import { callSyncInternal, readJsonRequest, revokeLinks } from '../../../_server/syncInternal.ts'

type Params = { params: Promise<{ roomId: string }> }

/**
 * PATCH /api/boards/<editId> {name}: renames a board (any editor). The sync server sets the name
 * in the live document, so everyone connected sees it at once, and stores it (1–100 characters
 * once trimmed; 400 otherwise).
 */
export async function PATCH(request: NextRequest, { params }: Params) {
  const access = await boardAccess(request, (await params).roomId)
  if (access instanceof NextResponse) return access
  const body = await readJsonRequest(request)
  const name = (body as { name?: unknown } | null | undefined)?.name
  if (typeof name !== 'string') return NextResponse.json({ error: 'body must be JSON: { "name": "…" }' }, { status: 400 })
  return callSyncInternal(access.board.id, 'rename', { name })
}

/**
 * DELETE /api/boards/<editId> (owner): moves the board to the trash (its links stop working, every
 * socket is closed; the sync server deletes it for good after TRASH_RETENTION_DAYS) → {trashedAt}.
 * `?forever=1`: deletes a board already in the trash now (409 otherwise), its document, history,
 * images and thumbnail with it → {deleted: true}.
 */
export async function DELETE(request: NextRequest, { params }: Params) {
  const forever = request.nextUrl.searchParams.get('forever') === '1'
  const access = await boardAccess(request, (await params).roomId, { owner: true, includeTrashed: forever })
  if (access instanceof NextResponse) return access
  const { board } = access
  const db = await database()
  if (forever) {
    if (!board.trashedAt) return NextResponse.json({ error: 'only a board in the trash can be deleted for good' }, { status: 409 })
    await db.room.delete({ where: { id: board.id } })
    await revokeLinks(board.id, [board.roomId, board.viewId], 'board deleted')
    return NextResponse.json({ deleted: true })
  }
  const trashedAt = new Date()
  await db.room.update({ where: { id: board.id }, data: { trashedAt } })
  await revokeLinks(board.id, [board.roomId, board.viewId], 'board deleted')
  return NextResponse.json({ trashedAt: trashedAt.toISOString() })
}
