import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../protocol.ts'
import { geoShapeRecord } from '../shapeRecord.ts'
import {
  describeStorageError,
  dropLocalCopy,
  linkOfBoardPath,
  linkOfLocalCopy,
  listLocalCopies,
  localCopyName,
  openLocalCopy,
  pendingChangesOf,
  type LocalCopyLink,
  type LocalCopyMeta,
} from './localCopy.ts'

let next = 0
/** A link no other test uses: fake-indexeddb keeps its databases for the whole file. */
function freshLink(kind: 'b' | 'v' = 'b'): LocalCopyLink {
  return { kind, id: `board-${++next}-${Math.random().toString(36).slice(2, 8)}` }
}

const META: LocalCopyMeta = { userId: 'guest-1', syncedAt: 1_700_000_000_000, schema: { schemaVersion: 2, sequences: { 'com.tldraw.shape': 4 } } }

function records(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(BOARD_RECORDS_MAP)
}

/** Rows in a copy's y-indexeddb update store, read with IndexedDB itself. */
function storedUpdates(link: LocalCopyLink): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(localCopyName(link))
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const count = db.transaction('updates', 'readonly').objectStore('updates').count()
      count.onsuccess = () => {
        db.close()
        resolve(count.result)
      }
    }
  })
}

describe('the board copy in this browser', () => {
  it('keeps the document, what is known of the board and the changes waiting, across a reopen', async () => {
    const link = freshLink()
    const doc = new Y.Doc()
    const copy = await openLocalCopy(link, doc)
    expect(copy.meta).toBeNull()
    expect(copy.recordCount).toBe(0)
    expect(copy.health.get()).toBe('ok')
    records(doc).set('shape:a', geoShapeRecord('shape:a'))
    records(doc).set('shape:b', geoShapeRecord('shape:b', { x: 40 }))
    await copy.setMeta(META)
    copy.addPending(['shape:a', 'shape:b'])
    copy.addPending(['shape:a'])
    expect(copy.pending.get().size).toBe(2)
    await vi.waitUntil(async () => (await pendingChangesOf(link)) === 2, { timeout: 5_000 })
    await copy.close()
    doc.destroy()

    const reopenedDoc = new Y.Doc()
    const reopened = await openLocalCopy(link, reopenedDoc)
    expect(reopened.meta).toEqual(META)
    expect(reopened.recordCount).toBe(2)
    expect((records(reopenedDoc).get('shape:b') as { x: number }).x).toBe(40)
    expect([...reopened.pending.get()].sort()).toEqual(['shape:a', 'shape:b'])

    reopened.clearPending()
    await vi.waitUntil(async () => (await pendingChangesOf(link)) === 0, { timeout: 5_000 })
    await reopened.close()
  })

  it('a view-only copy keeps only what came from the server', async () => {
    const link = freshLink('v')
    const server = Symbol('server')
    const doc = new Y.Doc()
    const copy = await openLocalCopy(link, doc, { keepOrigin: (origin) => origin === server })
    const fromServer = new Y.Doc()
    records(fromServer).set('shape:server', geoShapeRecord('shape:server'))
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(fromServer), server)
    // A change made in the page itself (forced past the read-only editor) is not kept.
    records(doc).set('shape:forced', geoShapeRecord('shape:forced'))
    await copy.close()
    doc.destroy()

    const reopenedDoc = new Y.Doc()
    const reopened = await openLocalCopy(link, reopenedDoc, { keepOrigin: (origin) => origin === server })
    expect([...records(reopenedDoc).keys()]).toEqual(['shape:server'])
    await reopened.close()
  })

  it('compacts itself: a thousand edits do not leave a thousand rows', async () => {
    const link = freshLink()
    const doc = new Y.Doc()
    const copy = await openLocalCopy(link, doc)
    for (let i = 0; i < 1_200; i++) records(doc).set('shape:moved', geoShapeRecord('shape:moved', { x: i }))
    // y-indexeddb merges its rows into one state once 500 have accumulated (after a 1 s pause).
    await vi.waitUntil(async () => (await storedUpdates(link)) < 500, { timeout: 10_000, interval: 100 })
    await copy.close()
    doc.destroy()
    const reopenedDoc = new Y.Doc()
    const reopened = await openLocalCopy(link, reopenedDoc)
    expect((records(reopenedDoc).get('shape:moved') as { x: number }).x).toBe(1_199)
    await reopened.close()
  })

  it('dropping the copy of a deleted board removes it, even while another tab holds it open', async () => {
    const link = freshLink()
    const otherTabDoc = new Y.Doc()
    const otherTab = await openLocalCopy(link, otherTabDoc)
    records(otherTabDoc).set('shape:a', geoShapeRecord('shape:a'))
    await otherTab.setMeta(META)
    otherTab.addPending(['shape:a'])
    expect((await listLocalCopies()).map(localCopyName)).toContain(localCopyName(link))

    const doc = new Y.Doc()
    const copy = await openLocalCopy(link, doc)
    expect(copy.recordCount).toBe(1)
    await copy.drop()

    expect((await listLocalCopies()).map(localCopyName)).not.toContain(localCopyName(link))
    expect(await pendingChangesOf(link)).toBe(0)
    // The other tab let go of the database; changes it makes now are not written anywhere.
    records(otherTabDoc).set('shape:b', geoShapeRecord('shape:b'))
    const reopenedDoc = new Y.Doc()
    const reopened = await openLocalCopy(link, reopenedDoc)
    expect(reopened.meta).toBeNull()
    expect(reopened.recordCount).toBe(0)
    await reopened.close()
    await dropLocalCopy(link)
  })

  it('names a quota error as such, and any other storage error as one', () => {
    expect(describeStorageError(new DOMException('quota', 'QuotaExceededError'))).toEqual({
      health: 'full',
      message: 'This device is out of storage for boards: new changes are not kept here until space is freed.',
    })
    expect(describeStorageError(new DOMException('disk I/O failed', 'UnknownError'))).toEqual({
      health: 'unavailable',
      message: 'Changes cannot be kept on this device (disk I/O failed).',
    })
  })

  it('names copies by link and finds the link of a board page', () => {
    expect(linkOfLocalCopy(localCopyName({ kind: 'v', id: 'abc_D-9' }))).toEqual({ kind: 'v', id: 'abc_D-9' })
    expect(linkOfLocalCopy('some-other-database')).toBeNull()
    expect(linkOfBoardPath('/b/abc123')).toEqual({ kind: 'b', id: 'abc123' })
    expect(linkOfBoardPath('/v/xyz/')).toEqual({ kind: 'v', id: 'xyz' })
    expect(linkOfBoardPath('/b/')).toBeNull()
    expect(linkOfBoardPath('/api/token')).toBeNull()
    expect(linkOfBoardPath('/b/a/b')).toBeNull()
  })
})
