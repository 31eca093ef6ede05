'use client'

import { useEffect, useState } from 'react'
import { loadRecentBoards, type RecentBoard } from '@/lib/client/recentBoards.ts'

/** The boards this browser opened recently (kept in localStorage, never on the server). */
export default function RecentBoards() {
  const [boards, setBoards] = useState<RecentBoard[] | null>(null)
  useEffect(() => setBoards(loadRecentBoards()), [])
  if (boards === null) return null
  return (
    <section>
      <h2>Recent boards</h2>
      {boards.length === 0 ? (
        <p className="muted">Boards you open appear here.</p>
      ) : (
        <ul className="recent" data-testid="recent-boards">
          {boards.map((board) => (
            <li key={`${board.kind}/${board.id}`}>
              <a href={`/${board.kind}/${board.id}`}>{board.name}</a>
              <span className="muted">
                {board.kind === 'v' ? 'view only · ' : ''}
                {new Date(board.openedAt).toLocaleString()}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
