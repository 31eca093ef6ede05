import { useState } from 'react'
import { useValue } from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'

/**
 * A dismissible notice, over the board but not blocking it, when some of the board's records
 * could not be shown (damaged data from an older version or a misbehaving client).
 */
export default function SkippedRecordsNotice({ session }: { session: BoardSession }) {
  const skipped = useValue('skipped records', () => session.skippedRecords.get().length, [session])
  const [dismissedAt, setDismissedAt] = useState(0)
  if (skipped <= dismissedAt) return null
  const what = skipped === 1 ? '1 item on this board is damaged and is not shown' : `${skipped} items on this board are damaged and are not shown`
  return (
    <div className="skipped-notice" role="status" data-testid="skipped-records-notice">
      <span>{what}; the rest of the board works as usual.</span>
      <button type="button" aria-label="Dismiss" onClick={() => setDismissedAt(skipped)}>
        ×
      </button>
    </div>
  )
}
