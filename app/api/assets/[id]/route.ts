import { NextResponse, type NextRequest } from 'next/server'
import { fromHex, hexColumn, placeholders } from '../../../../lib/db/blobs.ts'
import { providerOf } from '../../../../lib/db/client.ts'
import { isValidRoomId } from '../../../../lib/protocol.ts'
import { appConfig } from '../../../_server/config.ts'
import { database } from '../../../_server/db.ts'

/**
 * GET /api/assets/<id>: the stored image; ids are random and content never changes, so cache for a
 * year. User content gets a policy of its own (proxy.ts leaves this route alone): opened directly,
 * it can run nothing and load nothing, and other sites cannot embed it.
 */
export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  if (!isValidRoomId(id)) return NextResponse.json({ error: 'not found' }, { status: 404 })
  const provider = providerOf(appConfig().databaseUrl)
  const db = await database()
  const [asset] = await db.$queryRawUnsafe<{ contentType: string; data: string; size: number }[]>(
    `SELECT "contentType", ${hexColumn(provider, 'data')} AS "data", "size" FROM "Asset" WHERE "id" = ${placeholders(provider, 1)}`,
    id,
  )
  if (!asset) return NextResponse.json({ error: 'not found' }, { status: 404 })
  return new NextResponse(new Uint8Array(fromHex(asset.data)), {
    headers: {
      'content-type': asset.contentType,
      'content-length': String(asset.size),
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
    },
  })
}
