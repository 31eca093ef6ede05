'use client'

import { useEffect } from 'react'
import { dropLocalCopy, linkOfBoardPath } from '@/lib/client/localCopy.ts'
import { forgetPageForOffline } from '@/lib/client/offlineShell.ts'
import { forgetBoard } from '@/lib/client/recentBoards.ts'

/**
 * On the not-found page of a board link: the board was deleted (or the link reset), so this
 * browser forgets it: its copy in IndexedDB, its page kept for offline use and its place in the recent boards.
 */
export default function ForgetMissingBoard() {
  useEffect(() => {
    const link = linkOfBoardPath(location.pathname)
    if (!link) return
    forgetBoard(link)
    void dropLocalCopy(link)
    void forgetPageForOffline()
  }, [])
  return null
}
