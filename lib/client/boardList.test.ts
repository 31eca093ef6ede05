import { describe, expect, it } from 'vitest'
import { cardsFromDevice, cardsFromServer, filterByName, initialsOf, relativeTime, sortByActivity, visiblePeople, type BoardSummary } from './boardList.ts'

const board = (name: string, updatedAt: string, extra: Partial<BoardSummary> = {}): BoardSummary => ({
  roomId: `edit-${name}`,
  viewId: `view-${name}`,
  name,
  owner: true,
  updatedAt,
  lastEditedBy: null,
  thumbnailUrl: null,
  present: [],
  trashedAt: null,
  ...extra,
})

describe('board list', () => {
  it('sorts by last activity, newest first, ties by name', () => {
    const sorted = sortByActivity([board('b', '2026-01-01T00:00:00Z'), board('c', '2026-03-01T00:00:00Z'), board('a', '2026-01-01T00:00:00Z')])
    expect(sorted.map((b) => b.name)).toEqual(['c', 'a', 'b'])
  })

  it('filters by a case-insensitive part of the name; a blank query keeps all', () => {
    const boards = [board('Roadmap 2027', 'x'), board('Team retro', 'x'), board('ROADS', 'x')]
    expect(filterByName(boards, ' road ').map((b) => b.name)).toEqual(['Roadmap 2027', 'ROADS'])
    expect(filterByName(boards, '   ')).toHaveLength(3)
    expect(filterByName(boards, 'nothing')).toEqual([])
  })

  it('marks server boards saved on this device by either of their links, and opens the edit link when there is one', () => {
    const [edit, view] = cardsFromServer([board('a', 'x'), board('b', 'x', { roomId: null })], new Set(['b:edit-a', 'v:view-b']))
    expect(edit).toMatchObject({ href: '/b/edit-a', savedOnDevice: true, source: 'server' })
    expect(view).toMatchObject({ href: '/v/view-b', savedOnDevice: true })
    expect(cardsFromServer([board('c', 'x')], new Set())[0]!.savedOnDevice).toBe(false)
  })

  it('falls back to the boards this browser opened', () => {
    const [card] = cardsFromDevice([{ kind: 'v', id: 'v1', name: 'Seen', openedAt: Date.UTC(2026, 0, 2) }], new Set(['v:v1']))
    expect(card).toMatchObject({ roomId: null, viewId: 'v1', href: '/v/v1', source: 'device', savedOnDevice: true, owner: false })
    expect(card!.updatedAt).toBe('2026-01-02T00:00:00.000Z')
  })

  it('initials: first and last word, upper case, ? when blank', () => {
    expect(initialsOf('Ann Lee')).toBe('AL')
    expect(initialsOf('bob')).toBe('B')
    expect(initialsOf('  jean paul  sartre ')).toBe('JS')
    expect(initialsOf(' ')).toBe('?')
  })

  it('shows up to four people, else three and +N', () => {
    expect(visiblePeople([1, 2, 3, 4])).toEqual({ shown: [1, 2, 3, 4], more: 0 })
    expect(visiblePeople([1, 2, 3, 4, 5, 6])).toEqual({ shown: [1, 2, 3], more: 3 })
  })

  it('says how long ago', () => {
    const now = Date.parse('2026-05-10T12:00:00Z')
    expect(relativeTime('2026-05-10T11:59:30Z', now)).toBe('just now')
    expect(relativeTime('2026-05-10T11:55:00Z', now)).toBe('5 min ago')
    expect(relativeTime('2026-05-10T09:00:00Z', now)).toBe('3 h ago')
    expect(relativeTime('2026-05-09T11:00:00Z', now)).toBe('yesterday')
    expect(relativeTime('2026-05-07T11:00:00Z', now)).toBe('3 days ago')
  })
})
