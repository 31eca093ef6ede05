import { NextResponse, type NextRequest } from 'next/server'
import { isValidRoomId } from '@/lib/protocol.ts'
import { database } from '../../../_server/db.ts'

/** GET /api/assets/<id>: the stored image; ids are random and content never changes, so cache for a year. */
export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  if (!isValidRoomId(id)) return NextResponse.json({ error: 'not found' }, { status: 404 })
  const asset = await database().asset.findUnique({ where: { id }, select: { contentType: true, data: true, size: true } })
  if (!asset) return NextResponse.json({ error: 'not found' }, { status: 404 })
  return new NextResponse(Buffer.from(asset.data), {
    headers: {
      'content-type': asset.contentType,
      'content-length': String(asset.size),
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
    },
  })
}
