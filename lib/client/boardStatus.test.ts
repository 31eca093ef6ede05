import { describe, expect, it } from 'vitest'
import { boardStatus, type BoardStatusInput } from './boardStatus.ts'

const base: BoardStatusInput = { scope: 'edit', connection: 'live', saveState: 'saved', pendingChanges: 0, localCopy: 'ok' }

describe('boardStatus', () => {
  it('says live and saved when the server has everything', () => {
    expect(boardStatus(base)).toEqual({ connection: 'Live', save: 'All changes saved', warnBeforeUnload: false })
  })

  it('says saving while the server has not acknowledged a change', () => {
    expect(boardStatus({ ...base, saveState: 'saving', pendingChanges: 2 }).save).toBe('Saving…')
    expect(boardStatus({ ...base, saveState: 'saving', pendingChanges: 0 }).save).toBe('Saving…')
  })

  it('offline with changes waiting: kept on this device, counted, no warning on leaving', () => {
    const status = boardStatus({ ...base, connection: 'offline', saveState: 'saving', pendingChanges: 3 })
    expect(status).toEqual({
      connection: 'Offline — your changes are kept on this device',
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
      save: 'Changes here can no longer be saved',
      warnBeforeUnload: false,
    })
  })

  it('view-only links have no saving line and never warn', () => {
    expect(boardStatus({ ...base, scope: 'view', connection: 'offline', localCopy: 'unavailable' })).toEqual({
      connection: 'Offline — showing the copy on this device',
      save: null,
      warnBeforeUnload: false,
    })
  })
})
