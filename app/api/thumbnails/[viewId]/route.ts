import { NextResponse, type NextRequest } from 'next/server'
import { fromHex, hexColumn, placeholders } from '../../../../lib/db/blobs.ts'
import { providerOf } from '../../../../lib/db/client.ts'
import { guestOf } from '../../../_server/boardAccess.ts'
import { findBoardByLink } from '../../../_server/boards.ts'
import { appConfig } from '../../../_server/config.ts'
import { database } from '../../../_server/db.ts'

/**
 * GET /api/thumbnails/<viewId>: the board's thumbnail (the view id suffices: it shows no more than
 * the view link); of a trashed board, to its owner only (their trash list shows it). Kept a
 * minute: the list's URLs carry `?v=<updated>` so a new one is fetched anew.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ viewId: string }> }) {
  const board = await findBoardByLink('v', (await params).viewId, { includeTrashed: true })
  if (!board || (board.trashedAt && (board.ownerId === null || board.ownerId !== guestOf(request)))) {
    return NextResponse.json({ error: 'not found' }, { status: 404 })
  }
  const provider = providerOf(appConfig().databaseUrl)
  const db = await database()
  const [thumbnail] = await db.$queryRawUnsafe<{ contentType: string; data: string }[]>(
    `SELECT "contentType", ${hexColumn(provider, 'data')} AS "data" FROM "RoomThumbnail" WHERE "roomId" = ${placeholders(provider, 1)}`,
    board.id,
  )
  if (!thumbnail) return NextResponse.json({ error: 'no thumbnail' }, { status: 404 })
  return new NextResponse(new Uint8Array(fromHex(thumbnail.data)), {
    headers: {
      'content-type': thumbnail.contentType,
      'cache-control': 'private, max-age=60',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
    },
  })
}
