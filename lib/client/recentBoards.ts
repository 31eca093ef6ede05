import type { LinkKind } from './boardSession.ts'

/** A board this browser opened, newest first in localStorage. */
export interface RecentBoard {
  kind: LinkKind
  id: string
  name: string
  openedAt: number
}

const RECENT_KEY = 'whiteboard:recent'
const MAX_RECENT = 20

export function loadRecentBoards(): RecentBoard[] {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as RecentBoard[]
    return Array.isArray(list) ? list.filter((b) => (b.kind === 'b' || b.kind === 'v') && typeof b.id === 'string') : []
  } catch {
    return []
  }
}

export function rememberBoard(board: Omit<RecentBoard, 'openedAt'>): void {
  const rest = loadRecentBoards().filter((b) => !(b.kind === board.kind && b.id === board.id))
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([{ ...board, openedAt: Date.now() }, ...rest].slice(0, MAX_RECENT)))
  } catch {
    // No storage: nothing to remember.
  }
}

/** Removes a board from the list (it was deleted, or its link reset). */
export function forgetBoard(board: Pick<RecentBoard, 'kind' | 'id'>): void {
  const rest = loadRecentBoards().filter((b) => !(b.kind === board.kind && b.id === board.id))
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(rest))
  } catch {
    // No storage: nothing was remembered.
  }
}
