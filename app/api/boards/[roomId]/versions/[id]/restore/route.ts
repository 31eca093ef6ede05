import { NextResponse, type NextRequest } from 'next/server'
import { z } from 'zod'
import { isValidVersionId } from '../../../../../../../lib/versions.ts'
import { boardAccess } from '../../../../../../_server/boardAccess.ts'
import { rateLimited } from '../../../../../../_server/rateLimit.ts'
import { callSyncInternal, readJsonRequest } from '../../../../../../_server/syncInternal.ts'

const restoreRequest = z
  .object({
    shapeIds: z.array(z.string()).optional(),
    /** The restorer's display name, as the board shows it (the guest cookie carries only an id). */
    name: z.string().trim().min(1).max(64).catch('Guest'),
  })
  .default({ name: 'Guest' })

/**
 * POST /api/boards/<roomId>/versions/<id>/restore {shapeIds?, name?}: makes the board equal to the
 * version, or restores only those shapes, live for everyone connected; the sync server first saves
 * a `before-restore` version. 200 {beforeRestore, versions}. Needs the guest cookie (401 without):
 * the history says who restored.
 */
export async function POST(request: NextRequest, { params }: { params: Promise<{ roomId: string; id: string }> }) {
  // Each restore first saves a compressed copy of the whole board.
  const { roomId, id } = await params
  const access = await boardAccess(request, roomId)
  if (access instanceof NextResponse) return access
  const limited = rateLimited(request, 'version')
  if (limited) return limited
  if (!isValidVersionId(id)) return NextResponse.json({ error: 'unknown version' }, { status: 404 })
  const guestId = access.userId
  if (!guestId) return NextResponse.json({ error: 'open the board first: no guest cookie' }, { status: 401 })
  const parsed = restoreRequest.safeParse(await readJsonRequest(request))
  if (!parsed.success) return NextResponse.json({ error: 'body must be JSON: { "shapeIds"?: ["shape:…"], "name"?: "…" }' }, { status: 400 })
  const { shapeIds, name } = parsed.data
  return callSyncInternal(access.board.id, 'restore', { versionId: id, shapeIds, by: { id: guestId, name } })
}
