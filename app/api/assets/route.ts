import { NextResponse, type NextRequest } from 'next/server'
import { findBoardByLink, newBoardId } from '../../_server/boards.ts'
import { database } from '../../_server/db.ts'
import { MAX_ASSET_BYTES, sniffImageType } from '../../_server/images.ts'
import { rateLimited } from '../../_server/rateLimit.ts'

/**
 * POST /api/assets (multipart: `file`, `board` = the edit id): stores an image for a board and
 * answers its URL. View-only links cannot upload: they do not know the edit id.
 */
export async function POST(request: NextRequest) {
  const limited = rateLimited(request, 'upload')
  if (limited) return limited
  const declaredLength = Number(request.headers.get('content-length') ?? 0)
  if (declaredLength > MAX_ASSET_BYTES + 64 * 1024) return NextResponse.json({ error: 'file too large' }, { status: 413 })
  const form = await request.formData().catch(() => null)
  const file = form?.get('file')
  const boardId = form?.get('board')
  if (!(file instanceof File) || typeof boardId !== 'string') return NextResponse.json({ error: 'invalid request' }, { status: 400 })
  const board = await findBoardByLink('b', boardId)
  if (!board) return NextResponse.json({ error: 'unknown board or read-only link' }, { status: 403 })
  if (file.size > MAX_ASSET_BYTES) return NextResponse.json({ error: 'file too large' }, { status: 413 })

  const bytes = new Uint8Array(await file.arrayBuffer())
  const contentType = sniffImageType(bytes)
  if (!contentType) return NextResponse.json({ error: 'only PNG, JPEG, GIF and WebP images are accepted' }, { status: 415 })
  const id = newBoardId()
  const db = await database()
  await db.asset.create({ data: { id, roomId: board.roomId, contentType, size: bytes.byteLength, data: bytes } })
  return NextResponse.json({ id, url: `/api/assets/${id}` }, { status: 201 })
}
