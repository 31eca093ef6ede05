import { expect, test } from '@playwright/test'
import { createBoard, createRectangles, drawRectangleWithMouse, openBoard, shapesOn, waitForSaved } from './support/board.ts'

test('a view-only visitor sees live changes, cannot draw, and the server refuses a forced write', async ({ browser }) => {
  const { editPath, viewPath } = await createBoard(browser)
  expect(viewPath.split('/')[2]).not.toBe(editPath.split('/')[2])
  const editor = await openBoard(browser, editPath, 'Editor')
  const viewer = await openBoard(browser, viewPath, 'Viewer')

  await expect(viewer.page.getByTestId('view-only')).toBeVisible()
  expect(await viewer.page.evaluate(() => window.editor!.getIsReadonly())).toBe(true)
  // The view page never shows or holds the edit id.
  expect(await viewer.page.content()).not.toContain(editPath.split('/')[2])

  await createRectangles(editor.page, [{ id: 'live', x: 100, y: 100 }])
  await expect.poll(async () => (await shapesOn(viewer.page)).map((s) => s.id)).toEqual(['shape:live'])

  // Drawing through the UI does nothing.
  await drawRectangleWithMouse(viewer.page, { x: 500, y: 300 }, { x: 650, y: 420 })
  expect((await shapesOn(viewer.page)).map((s) => s.id)).toEqual(['shape:live'])

  // A write forced into the viewer's Yjs document is refused by the server (1008 read-only).
  const closeCode = await viewer.page.evaluate(
    () =>
      new Promise<number | undefined>((resolve) => {
        const { provider, doc } = window.boardSession!
        provider!.on('connection-close', (event) => resolve(event?.code))
        const live = doc.getMap('records').get('shape:live') as Record<string, unknown>
        doc.getMap('records').set('shape:forced', { ...live, id: 'shape:forced', x: 900 })
      }),
  )
  expect(closeCode).toBe(1008)

  // The editor's next change makes a full round trip; the forced shape never arrived.
  await createRectangles(editor.page, [{ id: 'after', x: 300, y: 100 }])
  await waitForSaved(editor.page)
  expect((await shapesOn(editor.page)).map((s) => s.id)).toEqual(['shape:after', 'shape:live'])
  const fresh = await openBoard(browser, editPath, 'Fresh')
  expect((await shapesOn(fresh.page)).map((s) => s.id)).toEqual(['shape:after', 'shape:live'])

  // Uploading with the view id is refused too.
  const upload = await viewer.page.request.post('/api/assets', {
    multipart: { board: viewPath.split('/')[2], file: { name: 'x.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) } },
  })
  expect(upload.status()).toBe(403)

  await Promise.all([editor, viewer, fresh].map(({ context }) => context.close()))
})
