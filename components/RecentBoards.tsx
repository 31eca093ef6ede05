'use client'

import { useCallback, useEffect, useState } from 'react'
import { dropLocalCopy, listLocalCopies, localCopyName, pendingChangesOf } from '@/lib/client/localCopy.ts'
import { loadRecentBoards, type RecentBoard } from '@/lib/client/recentBoards.ts'

/**
 * The boards this browser opened recently (kept in localStorage, never on the server), marking
 * those with a copy on this device (IndexedDB), which can be removed here.
 */
export default function RecentBoards() {
  const [boards, setBoards] = useState<RecentBoard[] | null>(null)
  const [copies, setCopies] = useState<ReadonlySet<string>>(new Set())
  const refreshCopies = useCallback(async () => {
    const links = await listLocalCopies()
    setCopies(new Set(links.map(localCopyName)))
  }, [])
  useEffect(() => {
    setBoards(loadRecentBoards())
    void refreshCopies()
  }, [refreshCopies])
  if (boards === null) return null
  return (
    <section>
      <h2>Recent boards</h2>
      {boards.length === 0 ? (
        <p className="muted">Boards you open appear here.</p>
      ) : (
        <ul className="recent" data-testid="recent-boards">
          {boards.map((board) => {
            const stored = copies.has(localCopyName(board))
            return (
              <li key={`${board.kind}/${board.id}`} data-testid="recent-board" data-local-copy={stored}>
                <a href={`/${board.kind}/${board.id}`}>{board.name}</a>
                <span className="muted">
                  {board.kind === 'v' ? 'view only · ' : ''}
                  {new Date(board.openedAt).toLocaleString()}
                  {stored ? ' · saved on this device' : ''}
                </span>
                {stored && (
                  <button
                    type="button"
                    className="small-button"
                    aria-label={`Remove the copy of ${board.name} from this device`}
                    title="The board stays on the server and is downloaded again when you open it."
                    onClick={async () => {
                      const waiting = await pendingChangesOf(board)
                      const question = `${waiting === 1 ? '1 change' : `${waiting} changes`} on this board have not reached the server yet and would be lost. Remove the copy anyway?`
                      if (waiting > 0 && !window.confirm(question)) return
                      await dropLocalCopy(board)
                      await refreshCopies()
                    }}
                  >
                    Remove from this device
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
