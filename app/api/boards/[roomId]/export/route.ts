import { NextResponse, type NextRequest } from 'next/server'
import { exportTldr } from '../../../../../lib/tldr.ts'
import { safeFileName } from '../../../../../lib/fileNames.ts'
import { boardAccess } from '../../../../_server/boardAccess.ts'
import { recordsOfState } from '../../../../_server/boardDocument.ts'
import { readLiveState } from '../../../../_server/syncInternal.ts'

/** The board's name as a download's file name: no quotes, slashes or control characters; ASCII in `filename`, the name itself in `filename*`. */
function contentDisposition(name: string): string {
  const safe = `${safeFileName(name)}.tldr`
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safe)}`
}

/** GET /api/boards/<editId>/export (any editor): the board as it is now, as tldraw's .tldr file. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const access = await boardAccess(request, (await params).roomId)
  if (access instanceof NextResponse) return access
  const state = await readLiveState(access.board.id)
  if (state instanceof NextResponse) return state
  return new NextResponse(JSON.stringify(exportTldr(recordsOfState(state))), {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': contentDisposition(access.board.name),
      'cache-control': 'no-store',
    },
  })
}
