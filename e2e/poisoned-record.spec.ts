import { randomBytes } from 'node:crypto'
import { expect, test, type Browser, type Page } from '@playwright/test'
import { DocumentRecordType, PageRecordType, TLDOCUMENT_ID } from '@tldraw/tlschema'
import * as Y from 'yjs'
import { createDatabase } from '../lib/db/client.ts'
import { BOARD_RECORDS_MAP } from '../lib/protocol.ts'
import { geoShapeRecord } from '../lib/shapeRecord.ts'
import { drawRectangleWithMouse, newGuest, shapesOn, waitForLiveBoard, waitForSaved, type BoardPage } from './support/board.ts'
import { databaseUrl } from './support/environment.ts'

const POISONED_ID = 'shape:poisoned'

/**
 * A board as it could be stored before the sync server checked rich text: written straight into
 * the database (the server now refuses such a record on the socket, so no client can write it),
 * for a room the sync server has not loaded yet. One good shape, one whose rich text holds a node
 * type tldraw does not know (its renderer throws "Unknown node type").
 */
async function seedPoisonedBoard(): Promise<{ editPath: string; viewPath: string }> {
  const roomId = randomBytes(16).toString('base64url')
  const viewId = randomBytes(16).toString('base64url')
  const doc = new Y.Doc()
  const records = doc.getMap(BOARD_RECORDS_MAP)
  const pageId = PageRecordType.createId('page')
  records.set(TLDOCUMENT_ID, DocumentRecordType.create({ id: TLDOCUMENT_ID }))
  records.set(pageId, PageRecordType.create({ id: pageId, name: 'Page 1', index: 'a1' as never }))
  records.set('shape:good', geoShapeRecord('shape:good', { x: 200, y: 200, parentId: pageId }))
  const poisoned = geoShapeRecord(POISONED_ID, { x: 500, y: 200, parentId: pageId })
  records.set(POISONED_ID, { ...poisoned, props: { ...poisoned.props, richText: { type: 'doc', content: [{ type: 'bogusNode', content: [{ type: 'text', text: 'boom' }] }] } } })
  const db = await createDatabase(databaseUrl())
  try {
    await db.room.create({ data: { id: roomId, editId: roomId, viewId, name: 'Poisoned board' } })
    await db.roomUpdate.create({ data: { roomId, data: new Uint8Array(Y.encodeStateAsUpdate(doc)) } })
  } finally {
    await db.$disconnect()
  }
  return { editPath: `/b/${roomId}`, viewPath: `/v/${viewId}` }
}

/** Opens a board as a new guest, collecting errors thrown in the page from the start (tldraw's crash on bad rich text is one). */
async function openCollectingErrors(browser: Browser, path: string, name: string): Promise<BoardPage & { errors: string[] }> {
  const context = await newGuest(browser, name)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(path)
  await waitForLiveBoard(page)
  return { context, page, errors }
}

const holdsPoisonedRecord = (page: Page) =>
  page.evaluate(([map, id]) => window.boardSession!.doc.getMap(map).has(id), [BOARD_RECORDS_MAP, POISONED_ID] as const)

test('a board already holding a record tldraw cannot render opens, with that record quarantined and the rest editable', async ({ browser }) => {
  const { editPath, viewPath } = await seedPoisonedBoard()
  const a = await openCollectingErrors(browser, editPath, 'Alice')

  await expect.poll(async () => (await shapesOn(a.page)).map((shape) => shape.id)).toEqual(['shape:good'])
  await expect(a.page.locator('.tl-error-boundary')).toHaveCount(0)
  await expect(a.page.getByTestId('skipped-records-notice')).toContainText('1 item on this board is damaged')
  // Quarantined, not deleted: the shared document still holds the record as stored.
  expect(await holdsPoisonedRecord(a.page)).toBe(true)

  // The rest of the board is editable: move the good shape, draw a new one.
  await a.page.evaluate(() => window.editor!.updateShape({ id: 'shape:good' as never, type: 'geo', x: 260 }))
  await drawRectangleWithMouse(a.page, { x: 700, y: 500 }, { x: 820, y: 600 })
  await expect.poll(async () => (await shapesOn(a.page)).length).toBe(2)
  await waitForSaved(a.page)

  // Another visitor (view link) sees the edits, and the board opens for them too.
  const b = await openCollectingErrors(browser, viewPath, 'Bob')
  await expect.poll(() => shapesOn(b.page)).toEqual(await shapesOn(a.page))
  expect((await shapesOn(b.page)).find((shape) => shape.id === 'shape:good')?.x).toBe(260)
  await expect(b.page.locator('.tl-error-boundary')).toHaveCount(0)
  await expect(b.page.getByTestId('skipped-records-notice')).toBeVisible()
  expect(await holdsPoisonedRecord(b.page)).toBe(true)

  expect([...a.errors, ...b.errors]).toEqual([])
  await a.context.close()
  await b.context.close()
})
