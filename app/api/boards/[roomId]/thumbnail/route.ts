import { NextResponse, type NextRequest } from 'next/server'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { database } from '../../../../_server/db.ts'
import { sniffImageType } from '../../../../_server/images.ts'
import { rateLimited } from '../../../../_server/rateLimit.ts'
import { readBodyWithin } from '../../../../_server/requestBody.ts'

/** Largest thumbnail: 256 KiB. */
const MAX_THUMBNAIL_BYTES = 256 * 1024
const THUMBNAIL_TYPES = new Set(['image/png', 'image/webp'])

/**
 * PUT /api/boards/<editId>/thumbnail (any editor; body: a PNG or WebP image, checked by its bytes,
 * at most 256 KiB) → 204: the picture the board list shows. Counts against UPLOADS_PER_MIN.
 */
export async function PUT(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const access = await boardAccess(request, (await params).roomId)
  if (access instanceof NextResponse) return access
  const limited = rateLimited(request, 'upload')
  if (limited) return limited
  const body = await readBodyWithin(request, MAX_THUMBNAIL_BYTES)
  if (!body) return NextResponse.json({ error: `thumbnail too large: at most ${MAX_THUMBNAIL_BYTES} bytes (256 KiB)` }, { status: 413 })
  const contentType = sniffImageType(body)
  if (!contentType || !THUMBNAIL_TYPES.has(contentType)) return NextResponse.json({ error: 'a thumbnail must be a PNG or WebP image' }, { status: 400 })
  const db = await database()
  const roomId = access.board.id
  await db.roomThumbnail.upsert({ where: { roomId }, create: { roomId, contentType, data: body }, update: { contentType, data: body } })
  return new NextResponse(null, { status: 204 })
}
