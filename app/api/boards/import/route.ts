import { NextResponse, type NextRequest } from 'next/server'
import { importTldr, InvalidTldrError } from '../../../../lib/tldr.ts'
import { crossSiteRefusal, guestOf } from '../../../_server/boardAccess.ts'
import { createBoardWithRecords } from '../../../_server/boardDocument.ts'
import { guestCookie, newGuestId } from '../../../_server/guest.ts'
import { rateLimited } from '../../../_server/rateLimit.ts'
import { readBodyWithin } from '../../../_server/requestBody.ts'

/**
 * Largest import request: 10 MiB, the most proxy.ts lets through to a route whole (Next passes on
 * only the first 10 MiB of a body it runs the proxy for), well under the sync server's MAX_DOC_BYTES.
 */
const MAX_IMPORT_BYTES = 10 * 1024 * 1024

/** The .tldr text of the request (a JSON body, or the multipart field `file`) and the file's name if it has one; null for a multipart request without a file. */
async function fileOf(request: NextRequest, body: Uint8Array<ArrayBuffer>): Promise<{ text: string; fileName: string | null } | null> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!contentType.startsWith('multipart/form-data')) return { text: new TextDecoder().decode(body), fileName: null }
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData().catch(() => null)
  const file = form?.get('file')
  if (!(file instanceof File)) return null
  return { text: await file.text(), fileName: file.name }
}

/**
 * POST /api/boards/import (a .tldr file as the JSON body, or as the multipart field `file`) → 201
 * {roomId, viewId}: a new board owned by the caller. Every record is migrated to this app's tldraw
 * schema and validated like a live edit; one bad record refuses the file (400 naming it) and
 * nothing is created. Larger than 10 MiB: 413. Counts as a new board for BOARDS_PER_MIN.
 */
export async function POST(request: NextRequest) {
  const crossSite = crossSiteRefusal(request)
  if (crossSite) return crossSite
  const limited = rateLimited(request, 'board')
  if (limited) return limited
  const body = await readBodyWithin(request, MAX_IMPORT_BYTES)
  if (!body) return NextResponse.json({ error: `file too large: an import may have at most ${MAX_IMPORT_BYTES} bytes (10 MiB)` }, { status: 413 })
  const file = await fileOf(request, body)
  if (!file) return NextResponse.json({ error: 'multipart body without a "file" field' }, { status: 400 })
  let records
  try {
    records = importTldr(file.text)
  } catch (error) {
    if (error instanceof InvalidTldrError) return NextResponse.json({ error: error.message }, { status: 400 })
    throw error
  }
  const documentName = records.find((record) => record.typeName === 'document')?.name
  const name = typeof documentName === 'string' && documentName.trim() ? documentName : (file.fileName?.replace(/\.tldr$/i, '') ?? 'Imported board')
  const userId = guestOf(request)
  const ownerId = userId ?? newGuestId()
  const board = await createBoardWithRecords(name, ownerId, records)
  const response = NextResponse.json({ roomId: board.id, viewId: board.viewId }, { status: 201 })
  if (!userId) response.cookies.set(guestCookie(ownerId))
  return response
}
