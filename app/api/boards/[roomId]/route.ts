import { NextResponse, type NextRequest } from 'next/server'
import { cleanBoardName, findBoardByLink } from '../../../_server/boards.ts'
import { database } from '../../../_server/db.ts'

/** PATCH /api/boards/<roomId> {name}: renames a board; only the edit id can. */
export async function PATCH(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const { roomId } = await params
  const board = await findBoardByLink('b', roomId)
  if (!board) return NextResponse.json({ error: 'unknown board' }, { status: 404 })
  const body = (await request.json().catch(() => null)) as { name?: unknown } | null
  const name = cleanBoardName(body?.name)
  const db = await database()
  await db.room.update({ where: { id: board.roomId }, data: { name } })
  return NextResponse.json({ name })
}
