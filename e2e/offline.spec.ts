import { expect, test, type Browser, type Page } from '@playwright/test'
import { createBoard, createRectangles, newGuest, openBoard, shapesOn, waitForLiveBoard, waitForSaved, type BoardPage } from './support/board.ts'
import { createDatabase } from '../lib/db/client.ts'
import { E2E, databaseUrl } from './support/environment.ts'
import { badge, isPageKeptOffline, readLocalCopy, waitForLocalCopy, waitForOfflineShell } from './support/offline.ts'

// Offline-first boards (issue 15): the board's copy in IndexedDB, the app shell from the service
// worker. Playwright's setOffline blocks navigations and fetches; the app closes its socket itself
// on the browser's `offline` event, as it does for a real network loss.

const ids = (shapes: { id: string }[]) => shapes.map((shape) => shape.id)

/** Waits until the page shows the board from its copy, offline: the editor is up and the badge says so. */
async function waitForOfflineBoard(page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean(window.editor), null, { timeout: 30_000 })
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
}

/** Ann and Ben on a new board; Ann's browser can open it offline, then goes offline. */
async function annGoesOffline(browser: Browser, boardName: string): Promise<{ editPath: string; ann: BoardPage; ben: BoardPage }> {
  const { editPath } = await createBoard(browser, boardName)
  const ann = await openBoard(browser, editPath, 'Ann')
  const ben = await openBoard(browser, editPath, 'Ben')
  await waitForOfflineShell(ann.page)
  await waitForLocalCopy(ann.page, editPath)
  await ann.context.setOffline(true)
  await expect(ann.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
  return { editPath, ann, ben }
}

test('edits made offline survive a reload, then reach the other person', async ({ browser }) => {
  const { editPath, ann, ben } = await annGoesOffline(browser, 'Offline board')
  await createRectangles(ann.page, [
    { id: 'off-1', x: 100, y: 100 },
    { id: 'off-2', x: 250, y: 100 },
    { id: 'off-3', x: 400, y: 100 },
  ])
  await expect(ann.page.getByTestId('save-state')).toHaveText('3 changes waiting to be saved')
  await expect(ann.page.getByTestId('connection-state')).toHaveText('Offline — your changes are kept on this device')
  await expect.poll(async () => (await readLocalCopy(ann.page, editPath)).pending).toBe(3)

  // Reload while still offline: the page comes from the service worker, the board from the copy.
  await ann.page.reload()
  await waitForOfflineBoard(ann.page)
  expect(ids(await shapesOn(ann.page))).toEqual(['shape:off-1', 'shape:off-2', 'shape:off-3'])
  expect(await badge(ann.page)).toEqual({ connection: 'offline', save: '3 changes waiting to be saved', pending: 3 })
  expect(ids(await shapesOn(ben.page))).toEqual([])

  // Back online: Ben sees the three shapes, Ann's badge says saved.
  await ann.context.setOffline(false)
  await expect.poll(async () => ids(await shapesOn(ben.page)), { timeout: 10_000 }).toEqual(['shape:off-1', 'shape:off-2', 'shape:off-3'])
  await expect(ann.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live')
  await waitForSaved(ann.page)
  expect((await badge(ann.page)).pending).toBe(0)
  expect((await readLocalCopy(ann.page, editPath)).pending).toBe(0)

  // Both reload: both still have them.
  for (const { page } of [ann, ben]) {
    await page.reload()
    await waitForLiveBoard(page)
    await expect.poll(async () => ids(await shapesOn(page))).toEqual(['shape:off-1', 'shape:off-2', 'shape:off-3'])
  }
  await Promise.all([ann.context.close(), ben.context.close()])
})

test('offline edits and the other person’s edits to the same shapes merge; no shape is lost', async ({ browser }) => {
  const { editPath } = await createBoard(browser, 'Concurrent offline board')
  const ann = await openBoard(browser, editPath, 'Ann')
  const ben = await openBoard(browser, editPath, 'Ben')
  await createRectangles(ben.page, [
    { id: 'shared-1', x: 100, y: 300 },
    { id: 'shared-2', x: 300, y: 300 },
  ])
  await expect.poll(async () => ids(await shapesOn(ann.page))).toEqual(['shape:shared-1', 'shape:shared-2'])
  await waitForOfflineShell(ann.page)
  await waitForLocalCopy(ann.page, editPath)

  await ann.context.setOffline(true)
  await expect(ann.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
  await createRectangles(ann.page, [
    { id: 'ann-1', x: 100, y: 100 },
    { id: 'ann-2', x: 250, y: 100 },
    { id: 'ann-3', x: 400, y: 100 },
  ])
  await ann.page.evaluate(() => {
    window.editor!.updateShape({ id: 'shape:shared-1' as never, type: 'geo', x: 600 })
    window.editor!.updateShape({ id: 'shape:shared-2' as never, type: 'geo', y: 500 })
  })
  // Meanwhile Ben, online, edits the same shapes and adds one.
  await ben.page.evaluate(() => {
    window.editor!.updateShape({ id: 'shape:shared-1' as never, type: 'geo', y: 450 })
    window.editor!.updateShape({ id: 'shape:shared-2' as never, type: 'geo', props: { color: 'red' } })
  })
  await createRectangles(ben.page, [{ id: 'ben-1', x: 700, y: 100 }])
  await waitForSaved(ben.page)

  await ann.page.reload()
  await waitForOfflineBoard(ann.page)
  expect(await badge(ann.page)).toMatchObject({ connection: 'offline', pending: 5 })

  await ann.context.setOffline(false)
  const everything = ['shape:ann-1', 'shape:ann-2', 'shape:ann-3', 'shape:ben-1', 'shape:shared-1', 'shape:shared-2']
  for (const { page } of [ann, ben]) await expect.poll(async () => ids(await shapesOn(page)), { timeout: 10_000 }).toEqual(everything)
  await waitForSaved(ann.page)
  // Both end with the same values (each shape is one record: the later write of a record wins).
  await expect.poll(() => shapesOn(ben.page)).toEqual(await shapesOn(ann.page))
  for (const { page } of [ann, ben]) {
    await page.reload()
    await waitForLiveBoard(page)
    await expect.poll(async () => ids(await shapesOn(page))).toEqual(everything)
  }
  await Promise.all([ann.context.close(), ben.context.close()])
})

test('a tab closed while offline delivers its edits when the board is opened again online', async ({ browser }) => {
  const { editPath, ann, ben } = await annGoesOffline(browser, 'Closed tab board')
  await createRectangles(ann.page, [
    { id: 'closed-1', x: 100, y: 100 },
    { id: 'closed-2', x: 250, y: 100 },
  ])
  // The badge counts them once they are written to this device.
  await expect.poll(async () => (await readLocalCopy(ann.page, editPath)).pending).toBe(2)
  await ann.page.close()
  expect(ids(await shapesOn(ben.page))).toEqual([])

  await ann.context.setOffline(false)
  const reopened = await ann.context.newPage()
  await reopened.goto(editPath)
  await waitForLiveBoard(reopened)
  await expect.poll(async () => ids(await shapesOn(ben.page)), { timeout: 10_000 }).toEqual(['shape:closed-1', 'shape:closed-2'])
  await waitForSaved(reopened)
  await Promise.all([ann.context.close(), ben.context.close()])
})

test('two tabs of one board stay equal offline, and both reach the server once online', async ({ browser }) => {
  const { editPath } = await createBoard(browser, 'Two tabs board')
  const ann = await openBoard(browser, editPath, 'Ann')
  const second = await ann.context.newPage()
  await second.goto(editPath)
  await waitForLiveBoard(second)
  const ben = await openBoard(browser, editPath, 'Ben')

  await ann.context.setOffline(true)
  for (const page of [ann.page, second]) await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
  await createRectangles(ann.page, [{ id: 'tab-1', x: 100, y: 100 }])
  await createRectangles(second, [{ id: 'tab-2', x: 300, y: 100 }])
  for (const page of [ann.page, second]) await expect.poll(async () => ids(await shapesOn(page))).toEqual(['shape:tab-1', 'shape:tab-2'])
  expect(ids(await shapesOn(ben.page))).toEqual([])

  await ann.context.setOffline(false)
  await expect.poll(async () => ids(await shapesOn(ben.page)), { timeout: 10_000 }).toEqual(['shape:tab-1', 'shape:tab-2'])
  for (const page of [ann.page, second]) await waitForSaved(page)
  await Promise.all([ann.context.close(), ben.context.close()])
})

test('a view-only link keeps a read-only copy that opens offline', async ({ browser }) => {
  const { editPath, viewPath } = await createBoard(browser, 'Viewed offline')
  const editor = await openBoard(browser, editPath, 'Ann')
  await createRectangles(editor.page, [{ id: 'seen', x: 100, y: 100 }])
  await waitForSaved(editor.page)
  const viewer = await openBoard(browser, viewPath, 'Vic')
  await expect.poll(async () => ids(await shapesOn(viewer.page))).toEqual(['shape:seen'])
  await waitForOfflineShell(viewer.page)
  await waitForLocalCopy(viewer.page, viewPath)

  await viewer.context.setOffline(true)
  await viewer.page.reload()
  await waitForOfflineBoard(viewer.page)
  expect(ids(await shapesOn(viewer.page))).toEqual(['shape:seen'])
  await expect(viewer.page.getByTestId('connection-state')).toHaveText('Offline — showing the copy on this device')
  await expect(viewer.page.getByTestId('save-state')).toHaveCount(0)
  expect((await readLocalCopy(viewer.page, viewPath)).pending).toBe(0)
  await Promise.all([editor.context.close(), viewer.context.close()])
})

/** Deletes a board from the database, as deleting it for good will (issue 16): its links answer 404 from then on. */
async function deleteBoard(editPath: string): Promise<void> {
  const db = await createDatabase(databaseUrl())
  try {
    await db.room.deleteMany({ where: { id: editPath.split('/')[2] } })
  } finally {
    await db.$disconnect()
  }
}

test('a deleted board drops its copy: when its page is opened again, and when the open board reconnects', async ({ browser }) => {
  const first = await createBoard(browser, 'Deleted later')
  const second = await createBoard(browser, 'Deleted while open')
  const ann = await openBoard(browser, first.editPath, 'Ann')
  await waitForLocalCopy(ann.page, first.editPath)
  await waitForOfflineShell(ann.page)
  const open = await ann.context.newPage()
  await open.goto(second.editPath)
  await waitForLiveBoard(open)
  await waitForLocalCopy(open, second.editPath)

  // The page of a deleted board: the not-found page, and this browser forgets the board.
  await deleteBoard(first.editPath)
  await ann.page.reload()
  await expect(ann.page.getByTestId('error-page')).toBeVisible()
  await expect.poll(async () => (await readLocalCopy(ann.page, first.editPath)).exists).toBe(false)
  await expect.poll(() => isPageKeptOffline(ann.page, first.editPath)).toBe(false)

  // A board deleted while open: its next connection is refused, the copy is dropped, the page says so.
  await deleteBoard(second.editPath)
  await ann.context.setOffline(true)
  await expect(open.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
  await ann.context.setOffline(false)
  await expect(open.getByTestId('board-gone')).toBeVisible()
  await expect(open.getByTestId('board-gone')).toContainText('The copy on this device was removed')
  await expect.poll(async () => (await readLocalCopy(open, second.editPath)).exists).toBe(false)
  await ann.page.goto('/')
  await expect(ann.page.getByTestId('board-card')).toHaveCount(0)
  await ann.context.close()
})

test('a server that refuses this app’s schema (4426) keeps the copy and its waiting changes; they sync after the reload', async ({ browser }) => {
  const { editPath } = await createBoard(browser, 'Schema board')
  const ben = await openBoard(browser, editPath, 'Ben')
  // While `claimNewerSchema` is set, Ann's auth frames claim a newer tldraw schema than the server
  // reads, as an app deployed before its sync server would. Routed before her page loads: the page
  // keeps the WebSocket class it started with.
  let claimNewerSchema = false
  const annContext = await newGuest(browser, 'Ann')
  await annContext.routeWebSocket(new RegExp(`:${E2E.syncPort}/`), (socket) => {
    const server = socket.connectToServer()
    socket.onMessage((message) => {
      if (claimNewerSchema && typeof message === 'string' && message.includes('"auth"')) {
        const auth = JSON.parse(message) as { schema: { schemaVersion: number } }
        server.send(JSON.stringify({ ...auth, schema: { ...auth.schema, schemaVersion: auth.schema.schemaVersion + 100 } }))
      } else server.send(message)
    })
    server.onMessage((message) => socket.send(message))
  })
  const ann = { context: annContext, page: await annContext.newPage() }
  await ann.page.goto(editPath)
  await waitForLiveBoard(ann.page)
  await waitForOfflineShell(ann.page)
  await waitForLocalCopy(ann.page, editPath)

  await ann.context.setOffline(true)
  await expect(ann.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline')
  await createRectangles(ann.page, [
    { id: 'kept-1', x: 100, y: 100 },
    { id: 'kept-2', x: 250, y: 100 },
  ])
  await expect.poll(async () => (await readLocalCopy(ann.page, editPath)).pending).toBe(2)
  claimNewerSchema = true
  await ann.context.setOffline(false)
  await expect(ann.page.getByTestId('connection-state')).toHaveAttribute('data-state', 'refused')
  await expect(ann.page.getByTestId('connection-state')).toHaveText('Disconnected · please reload')
  expect(await readLocalCopy(ann.page, editPath)).toEqual({ synced: true, pending: 2, exists: true })
  expect(ids(await shapesOn(ben.page))).toEqual([])

  claimNewerSchema = false
  await ann.page.reload()
  await waitForLiveBoard(ann.page)
  await expect.poll(async () => ids(await shapesOn(ben.page)), { timeout: 10_000 }).toEqual(['shape:kept-1', 'shape:kept-2'])
  await waitForSaved(ann.page)
  expect((await readLocalCopy(ann.page, editPath)).pending).toBe(0)
  await Promise.all([ann.context.close(), ben.context.close()])
})
