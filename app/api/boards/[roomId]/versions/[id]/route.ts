import { NextResponse, type NextRequest } from 'next/server'
import { readVersion, recordsOfState } from '../../../../../../lib/db/versions.ts'
import { isValidVersionId, type VersionDetail } from '../../../../../../lib/versions.ts'
import { findBoardByLink } from '../../../../../_server/boards.ts'
import { database } from '../../../../../_server/db.ts'

/** GET /api/boards/<roomId>/versions/<id>: the version and its tldraw records (edit link only: a view id gets 404). */
export async function GET(_request: NextRequest, { params }: { params: Promise<{ roomId: string; id: string }> }) {
  const { roomId, id } = await params
  const board = await findBoardByLink('b', roomId)
  if (!board) return NextResponse.json({ error: 'unknown board' }, { status: 404 })
  const found = isValidVersionId(id) ? await readVersion(await database(), board.id, id) : null
  if (!found) return NextResponse.json({ error: 'unknown version' }, { status: 404 })
  const detail: VersionDetail = { version: found.version, records: recordsOfState(found.state) }
  // A version never changes: the browser may keep it while the scrubber steps back and forth.
  return NextResponse.json(detail, { headers: { 'cache-control': 'private, max-age=3600, immutable' } })
}
