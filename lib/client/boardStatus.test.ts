import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConnectionState } from './boardSession.ts'
import { UNREACHABLE_AFTER_MS, boardStatus, trackConnection, type BoardStatusInput } from './boardStatus.ts'

const SYNC_URL = 'ws://192.168.1.20:1234'
const base: BoardStatusInput = { scope: 'edit', connection: 'live', saveState: 'saved', pendingChanges: 0, localCopy: 'ok', syncUrl: SYNC_URL }

describe('boardStatus', () => {
  it('says live and saved when the server has everything', () => {
    expect(boardStatus(base)).toEqual({ connection: 'Live', hint: null, save: 'All changes saved', warnBeforeUnload: false })
  })

  it('says saving while the server has not acknowledged a change', () => {
    expect(boardStatus({ ...base, saveState: 'saving', pendingChanges: 2 }).save).toBe('Saving…')
    expect(boardStatus({ ...base, saveState: 'saving', pendingChanges: 0 }).save).toBe('Saving…')
  })

  it('offline with changes waiting: kept on this device, counted, no warning on leaving', () => {
    const status = boardStatus({ ...base, connection: 'offline', saveState: 'saving', pendingChanges: 3 })
    expect(status).toEqual({
      connection: 'Offline — your changes are kept on this device',
      hint: null,
      save: '3 changes waiting to be saved',
      warnBeforeUnload: false,
    })
    expect(boardStatus({ ...base, connection: 'offline', saveState: 'saving', pendingChanges: 1 }).save).toBe('1 change waiting to be saved')
  })

  it('offline with nothing waiting is still all saved', () => {
    expect(boardStatus({ ...base, connection: 'offline' }).save).toBe('All changes saved')
  })

  it('changes waiting from an earlier session count while connecting, and turn to saving once live', () => {
    expect(boardStatus({ ...base, connection: 'connecting', saveState: 'saving', pendingChanges: 4 }).save).toBe('4 changes waiting to be saved')
    expect(boardStatus({ ...base, connection: 'live', saveState: 'saving', pendingChanges: 4 }).save).toBe('Saving…')
  })

  it('warns before leaving only when changes are on neither the server nor this device', () => {
    const noCopy = { ...base, connection: 'offline' as const, saveState: 'saving' as const, pendingChanges: 2 }
    expect(boardStatus({ ...noCopy, localCopy: 'unavailable' })).toMatchObject({
      connection: 'Offline — changes are kept only while this page is open',
      warnBeforeUnload: true,
    })
    expect(boardStatus({ ...noCopy, localCopy: 'full' }).warnBeforeUnload).toBe(true)
    expect(boardStatus({ ...noCopy, localCopy: 'ok' }).warnBeforeUnload).toBe(false)
    expect(boardStatus({ ...base, localCopy: 'unavailable' }).warnBeforeUnload).toBe(false)
  })

  it('a full board and a gone board say so', () => {
    expect(boardStatus({ ...base, saveState: 'full', pendingChanges: 1 }).save).toBe('Board is full · delete something to save your changes')
    const gone = boardStatus({ ...base, connection: 'gone', saveState: 'saving', pendingChanges: 1, localCopy: 'unavailable' })
    expect(gone).toEqual({
      connection: 'This board was deleted or its link was reset',
      hint: null,
      save: 'Changes here can no longer be saved',
      warnBeforeUnload: false,
    })
  })

  it('view-only links have no saving line and never warn', () => {
    expect(boardStatus({ ...base, scope: 'view', connection: 'offline', localCopy: 'unavailable' })).toEqual({
      connection: 'Offline — showing the copy on this device',
      hint: null,
      save: null,
      warnBeforeUnload: false,
    })
  })
})

describe('boardStatus: a sync server that cannot be reached', () => {
  it('names the URL it tried, says what to check, and counts the changes waiting', () => {
    const status = boardStatus({ ...base, connection: 'unreachable', saveState: 'saving', pendingChanges: 2 })
    expect(status).toEqual({
      connection: "Can't reach the sync server at ws://192.168.1.20:1234",
      hint: 'Is the sync server running? Opened from another device?',
      save: '2 changes waiting to be saved',
      warnBeforeUnload: false,
    })
  })

  it('says the same to a viewer, and leaves the URL out before any token named it', () => {
    expect(boardStatus({ ...base, scope: 'view', connection: 'unreachable' })).toMatchObject({
      connection: "Can't reach the sync server at ws://192.168.1.20:1234",
      save: null,
    })
    expect(boardStatus({ ...base, connection: 'unreachable', syncUrl: null }).connection).toBe("Can't reach the sync server")
  })

  it('reconnecting keeps its words and has no hint', () => {
    expect(boardStatus({ ...base, connection: 'reconnecting' })).toMatchObject({ connection: 'Reconnecting… your changes are kept on this device', hint: null })
  })
})

describe('trackConnection', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function track(initial: ConnectionState) {
    const published: ConnectionState[] = []
    const tracker = trackConnection(initial, (state) => published.push(state))
    return { tracker, published }
  }

  it('a page that never got live says it cannot reach the server after UNREACHABLE_AFTER_MS of attempts', () => {
    const { tracker, published } = track('connecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS - 1)
    expect(tracker.get()).toBe('connecting')
    vi.advanceTimersByTime(1)
    expect(tracker.get()).toBe('unreachable')
    expect(published).toEqual(['unreachable'])
    // Further failed attempts do not turn it back into "Connecting…"; the first live moment does.
    tracker.set('connecting')
    tracker.set('reconnecting')
    expect(tracker.get()).toBe('unreachable')
    tracker.set('live')
    expect(published).toEqual(['unreachable', 'live'])
    tracker.dispose()
  })

  it('counts from the last live moment: reconnecting, then unreachable; moving between attempts keeps the clock', () => {
    const { tracker, published } = track('connecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS / 2)
    tracker.set('live')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 3)
    expect(tracker.get()).toBe('live')
    tracker.set('reconnecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS / 2)
    tracker.set('connecting')
    tracker.set('reconnecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS / 2)
    expect(published).toEqual(['live', 'reconnecting', 'connecting', 'reconnecting', 'unreachable'])
    tracker.dispose()
  })

  it('offline stops the clock; back online, the attempts get their full time again', () => {
    const { tracker } = track('live')
    tracker.set('reconnecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS - 1_000)
    tracker.set('offline')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 2)
    expect(tracker.get()).toBe('offline')
    tracker.set('reconnecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS - 1)
    expect(tracker.get()).toBe('reconnecting')
    vi.advanceTimersByTime(1)
    expect(tracker.get()).toBe('unreachable')
    tracker.dispose()
  })

  it('refused, gone and a page that opened offline never become unreachable', () => {
    for (const final of ['refused', 'gone'] as const) {
      const { tracker } = track('connecting')
      tracker.set(final)
      vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 2)
      expect(tracker.get()).toBe(final)
      tracker.dispose()
    }
    const { tracker, published } = track('offline')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 2)
    expect(published).toEqual([])
    tracker.dispose()
  })

  it('unarmed (no socket yet, a token awaited), attempts do not count; they count from arm()', () => {
    const published: ConnectionState[] = []
    const tracker = trackConnection('connecting', (state) => published.push(state), { armed: false })
    tracker.set('reconnecting')
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 2)
    expect(tracker.get()).toBe('reconnecting')
    tracker.arm()
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS - 1)
    expect(tracker.get()).toBe('reconnecting')
    vi.advanceTimersByTime(1)
    expect(published).toEqual(['reconnecting', 'unreachable'])
    tracker.dispose()
  })

  it('dispose stops the clock', () => {
    const { tracker, published } = track('connecting')
    tracker.dispose()
    vi.advanceTimersByTime(UNREACHABLE_AFTER_MS * 2)
    expect(published).toEqual([])
  })
})
