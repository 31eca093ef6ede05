import type { BoardSummary } from '../boards.ts'
import type { RecentBoard } from './recentBoards.ts'

export type { BoardSummary, PresentPerson } from '../boards.ts'

/** A card of the home page: a board from the server, or from this browser's list when the server cannot be reached. */
export interface BoardCard extends BoardSummary {
  /** Where the card comes from: `server` (the API) or `device` (the localStorage list, as a fallback). */
  source: 'server' | 'device'
  /** The path the card opens. */
  href: string
  /** The board has a copy in this browser (IndexedDB). */
  savedOnDevice: boolean
}

/** The IndexedDB copy name's parts: the same as the link that opened the board. */
export function cardLinks(board: Pick<BoardSummary, 'roomId' | 'viewId'>): { kind: 'b' | 'v'; id: string }[] {
  return board.roomId ? [{ kind: 'b', id: board.roomId }, { kind: 'v', id: board.viewId }] : [{ kind: 'v', id: board.viewId }]
}

/** Cards from the server's list, marked with the copies this device holds (`b:<id>` / `v:<id>` keys). */
export function cardsFromServer(boards: readonly BoardSummary[], copies: ReadonlySet<string>): BoardCard[] {
  return boards.map((board) => ({
    ...board,
    source: 'server',
    href: board.roomId ? `/b/${board.roomId}` : `/v/${board.viewId}`,
    savedOnDevice: cardLinks(board).some((link) => copies.has(`${link.kind}:${link.id}`)),
  }))
}

/** Cards from this browser's list of opened boards: what the home page shows when the API fails. */
export function cardsFromDevice(recent: readonly RecentBoard[], copies: ReadonlySet<string>): BoardCard[] {
  return recent.map((board) => ({
    roomId: board.kind === 'b' ? board.id : null,
    viewId: board.kind === 'v' ? board.id : '',
    name: board.name,
    owner: false,
    updatedAt: new Date(board.openedAt).toISOString(),
    lastEditedBy: null,
    thumbnailUrl: null,
    present: [],
    trashedAt: null,
    source: 'device',
    href: `/${board.kind}/${board.id}`,
    savedOnDevice: copies.has(`${board.kind}:${board.id}`),
  }))
}

/** Newest activity first; ties by name, so the order is stable between polls. */
export function sortByActivity<T extends Pick<BoardSummary, 'updatedAt' | 'name'>>(boards: readonly T[]): T[] {
  return [...boards].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || a.name.localeCompare(b.name))
}

/** Boards whose name contains the query (case-insensitive, surrounding spaces ignored); all for an empty query. */
export function filterByName<T extends Pick<BoardSummary, 'name'>>(boards: readonly T[], query: string): T[] {
  const needle = query.trim().toLocaleLowerCase()
  if (!needle) return [...boards]
  return boards.filter((board) => board.name.toLocaleLowerCase().includes(needle))
}

/** Up to two initials of a name ("Ann Lee" → "AL", "bob" → "B"); "?" for a blank name. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return '?'
  const letters = words.length === 1 ? [words[0]!] : [words[0]!, words[words.length - 1]!]
  return letters.map((word) => [...word][0]!.toLocaleUpperCase()).join('')
}

/** The avatars a card shows: the first `max` people, and how many more there are ("+N"). */
export function visiblePeople<T>(people: readonly T[], max = 4): { shown: T[]; more: number } {
  if (people.length <= max) return { shown: [...people], more: 0 }
  return { shown: people.slice(0, max - 1), more: people.length - (max - 1) }
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function relativeTime(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 60) return 'just now'
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.floor(hours / 24)
  if (days < 7) return days === 1 ? 'yesterday' : `${days} days ago`
  return new Date(iso).toLocaleDateString()
}
