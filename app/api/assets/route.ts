import { NextResponse, type NextRequest } from 'next/server'
import { crossSiteRefusal } from '../../_server/boardAccess.ts'
import { findBoardByLink, newBoardId } from '../../_server/boards.ts'
import { database } from '../../_server/db.ts'
import { MAX_ASSET_BYTES, sniffImageType } from '../../_server/images.ts'
import { rateLimited } from '../../_server/rateLimit.ts'
import { readBodyWithin } from '../../_server/requestBody.ts'

/** The most an upload request may carry: the image and its multipart framing (boundaries, field names). */
const MAX_UPLOAD_BODY_BYTES = MAX_ASSET_BYTES + 64 * 1024

const TOO_LARGE = `file too large: an image may have at most ${MAX_ASSET_BYTES} bytes (10 MiB)`

// proxy.ts does not run for this route (it would pass on only the first 10 MiB of the body), so the answers set nosniff themselves.
function answer(body: object, status: number): NextResponse {
  return NextResponse.json(body, { status, headers: { 'x-content-type-options': 'nosniff' } })
}

/**
 * POST /api/assets (multipart: `file`, `board` = the edit id): stores an image of at most
 * MAX_ASSET_BYTES for a board and answers its URL; larger: 413. View-only links cannot upload:
 * they do not know the edit id.
 */
export async function POST(request: NextRequest) {
  const crossSite = crossSiteRefusal(request)
  if (crossSite) return crossSite
  const limited = rateLimited(request, 'upload')
  if (limited) return limited
  const body = await readBodyWithin(request, MAX_UPLOAD_BODY_BYTES)
  if (!body) return answer({ error: TOO_LARGE }, 413)
  const form = await new Response(body, { headers: { 'content-type': request.headers.get('content-type') ?? '' } }).formData().catch(() => null)
  const file = form?.get('file')
  const boardId = form?.get('board')
  if (!(file instanceof File) || typeof boardId !== 'string') return answer({ error: 'invalid request' }, 400)
  const board = await findBoardByLink('b', boardId)
  if (!board) return answer({ error: 'unknown board or read-only link' }, 403)
  if (file.size > MAX_ASSET_BYTES) return answer({ error: TOO_LARGE }, 413)

  const bytes = new Uint8Array(await file.arrayBuffer())
  const contentType = sniffImageType(bytes)
  if (!contentType) return answer({ error: 'only PNG, JPEG, GIF and WebP images are accepted' }, 415)
  const id = newBoardId()
  const db = await database()
  await db.asset.create({ data: { id, roomId: board.id, contentType, size: bytes.byteLength, data: bytes } })
  return answer({ id, url: `/api/assets/${id}` }, 201)
}
