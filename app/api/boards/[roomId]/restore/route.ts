import { NextResponse, type NextRequest } from 'next/server'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { database } from '../../../../_server/db.ts'

/** POST /api/boards/<editId>/restore (owner): takes a board out of the trash, links as they were → {roomId, viewId}; 409 if it is not in the trash. */
export async function POST(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const access = await boardAccess(request, (await params).roomId, { owner: true, includeTrashed: true })
  if (access instanceof NextResponse) return access
  const { board } = access
  if (!board.trashedAt) return NextResponse.json({ error: 'the board is not in the trash' }, { status: 409 })
  const db = await database()
  await db.room.update({ where: { id: board.id }, data: { trashedAt: null } })
  return NextResponse.json({ roomId: board.roomId, viewId: board.viewId })
}
