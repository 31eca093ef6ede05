import { NextResponse, type NextRequest } from 'next/server'
import { listVersions } from '../../../../../lib/db/versions.ts'
import { checkVersionLabel } from '../../../../../lib/versions.ts'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { findBoardByLink } from '../../../../_server/boards.ts'
import { rateLimited } from '../../../../_server/rateLimit.ts'
import { database } from '../../../../_server/db.ts'
import { callSyncInternal, readJsonRequest } from '../../../../_server/syncInternal.ts'

type Params = { params: Promise<{ roomId: string }> }

const UNKNOWN_BOARD = { error: 'unknown board' }

/** GET /api/boards/<roomId>/versions: the board's versions, newest first (edit link only: a view id gets 404). */
export async function GET(_request: NextRequest, { params }: Params) {
  const board = await findBoardByLink('b', (await params).roomId)
  if (!board) return NextResponse.json(UNKNOWN_BOARD, { status: 404 })
  return NextResponse.json(await listVersions(await database(), board.id), { headers: { 'cache-control': 'no-store' } })
}

/**
 * POST /api/boards/<roomId>/versions {label, kind?}: saves the board as it is now (edits not stored
 * yet included: the sync server makes it) as a `named` version, or a `before-restore` one (the
 * History panel saves one before a restore made in the editor); 201 with the version.
 */
export async function POST(request: NextRequest, { params }: Params) {
  // Each version stores a compressed copy of the whole board.
  const access = await boardAccess(request, (await params).roomId)
  if (access instanceof NextResponse) return access
  const limited = rateLimited(request, 'version')
  if (limited) return limited
  const body = await readJsonRequest(request)
  if (typeof body !== 'object' || body === null) return NextResponse.json({ error: 'body must be JSON: { "label": "…" }' }, { status: 400 })
  const { label, kind = 'named' } = body as { label?: unknown; kind?: unknown }
  if (kind !== 'named' && kind !== 'before-restore') return NextResponse.json({ error: 'kind must be "named" or "before-restore"' }, { status: 400 })
  const checked = checkVersionLabel(label)
  if ('error' in checked) return NextResponse.json({ error: checked.error }, { status: 400 })
  return callSyncInternal(access.board.id, 'save-version', { kind, label: checked.label })
}
