import { expect, test } from '@playwright/test'
import { createBoard, createRectangles, openBoard, shapesOn, waitForLiveBoard, waitForSaved } from './support/board.ts'
import { startSyncServer, stopSyncServer } from './support/syncServer.ts'

test('drawings survive a reload and a sync server restart; a shape drawn while the server is down syncs afterwards', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  await createRectangles(a.page, [{ id: 'before', x: 100, y: 100 }])
  await waitForSaved(a.page)

  // Reload: the shape comes back from the server.
  await a.page.reload()
  await waitForLiveBoard(a.page)
  await expect.poll(async () => (await shapesOn(a.page)).map((s) => s.id)).toEqual(['shape:before'])
  const b = await openBoard(browser, editPath, 'Bob')
  expect((await shapesOn(b.page)).map((s) => s.id)).toEqual(['shape:before'])

  // The sync server stops mid-session; both clients notice.
  await stopSyncServer()
  await expect(a.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'reconnecting')
  await expect(b.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'reconnecting')

  // A draws while the server is down: kept locally.
  await createRectangles(a.page, [{ id: 'offline', x: 300, y: 100 }])
  await expect(a.page.getByTestId('save-state')).toHaveAttribute('data-state', 'saving')

  await startSyncServer()
  await expect(a.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
  await expect(b.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
  await expect.poll(async () => (await shapesOn(b.page)).map((s) => s.id)).toEqual(['shape:before', 'shape:offline'])
  await waitForSaved(a.page)

  // Everything is in the database: a fresh visitor after everyone left gets both shapes.
  await a.context.close()
  await b.context.close()
  const c = await openBoard(browser, editPath, 'Carol')
  expect((await shapesOn(c.page)).map((s) => s.id)).toEqual(['shape:before', 'shape:offline'])
  await c.context.close()
})
