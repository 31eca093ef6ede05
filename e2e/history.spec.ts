import { expect, test, type Page } from '@playwright/test'
import { createBoard, createRectangles, openBoard, shapesOn } from './support/board.ts'

/** The shapes the version view shows (the read-only editor exposed as window.versionEditor). */
function versionShapesOn(page: Page): Promise<{ id: string; x: number; y: number }[]> {
  return page.evaluate(() =>
    (window.versionEditor?.getCurrentPageShapes() ?? [])
      .map((shape) => ({ id: shape.id, x: Math.round(shape.x), y: Math.round(shape.y) }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  )
}

/** The History panel's entry whose title is exactly `title`. */
function versionItem(page: Page, title: string) {
  return page.getByTestId('version-item').filter({ has: page.locator('.version-item__title').getByText(title, { exact: true }) })
}

const positions = async (page: Page) => (await shapesOn(page)).map(({ id, x, y }) => ({ id, x, y }))

test('A saves v1; after B deletes and moves shapes, A scrubs back to v1, restores the deleted shape, then all of v1, and undoes it', async ({ browser }) => {
  // Three browser contexts and a dozen round trips to the app and the sync server: more than the default minute on a busy machine.
  test.setTimeout(180_000)
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const b = await openBoard(browser, editPath, 'Bob')

  // A and B draw.
  await createRectangles(a.page, [{ id: 'alpha', x: 100, y: 120 }])
  await createRectangles(b.page, [
    { id: 'beta', x: 260, y: 120 },
    { id: 'gamma', x: 420, y: 120 },
  ])
  const v1Shapes = [
    { id: 'shape:alpha', x: 100, y: 120 },
    { id: 'shape:beta', x: 260, y: 120 },
    { id: 'shape:gamma', x: 420, y: 120 },
  ]
  await expect.poll(() => positions(a.page)).toEqual(v1Shapes)
  await expect.poll(() => positions(b.page)).toEqual(v1Shapes)

  // A saves version "v1" from the History panel.
  await a.page.getByRole('button', { name: 'History', exact: true }).click()
  const panel = a.page.getByRole('complementary', { name: 'History' })
  await panel.getByLabel('Version label').fill('v1')
  await panel.getByRole('button', { name: 'Save version' }).click()
  const v1Item = versionItem(a.page, 'v1')
  await expect(v1Item).toBeVisible()
  await expect(v1Item).toContainText('3 shapes')
  await expect(v1Item).toContainText(/Alice|Bob/)

  // B deletes gamma and moves beta; A's board follows.
  await b.page.evaluate(() => {
    const editor = window.editor!
    editor.deleteShapes(['shape:gamma' as never])
    editor.updateShapes([{ id: 'shape:beta' as never, type: 'geo', x: 260, y: 400 }])
  })
  const afterB = [
    { id: 'shape:alpha', x: 100, y: 120 },
    { id: 'shape:beta', x: 260, y: 400 },
  ]
  await expect.poll(() => positions(a.page)).toEqual(afterB)

  // A saves "now" too, opens it (nothing differs), then scrubs back to v1.
  await panel.getByLabel('Version label').fill('now')
  await panel.getByRole('button', { name: 'Save version' }).click()
  await versionItem(a.page, 'now').click()
  const view = a.page.getByTestId('version-view')
  const banner = view.getByTestId('version-banner')
  const counts = view.getByTestId('version-diff-counts')
  await expect(banner).toContainText('Viewing now')
  await expect(banner).toContainText('read-only')
  await expect(counts).toHaveText(/0 deleted · 0 changed · 0 added/)
  await expect.poll(() => versionShapesOn(a.page)).toEqual(afterB)

  // Newest first in the list; the scrubber runs from the oldest (0) to the newest.
  const titles = await panel.locator('.version-item__title').allInnerTexts()
  await view.getByRole('slider', { name: 'Time travel' }).fill(String(titles.length - 1 - titles.indexOf('v1')))
  await expect(banner).toContainText('Viewing v1')
  await expect(counts).toHaveText(/1 deleted · 1 changed · 0 added/)
  await expect(counts).toHaveAttribute('data-current', 'true')
  await expect.poll(() => versionShapesOn(a.page)).toEqual(v1Shapes)
  // The deleted and the changed shape are outlined on the version's canvas.
  await expect(view.locator('[data-diff="deleted"]')).toHaveAttribute('data-shape-id', 'shape:gamma')
  await expect(view.locator('[data-diff="changed"]')).toHaveAttribute('data-shape-id', 'shape:beta')
  expect(await a.page.evaluate(() => window.versionEditor!.getIsReadonly())).toBe(true)
  // The buttons step through versions too.
  await view.getByRole('button', { name: 'Newer version' }).click()
  await expect(banner).toContainText('Viewing now')
  await view.getByRole('button', { name: 'Older version' }).click()
  await expect(banner).toContainText('Viewing v1')
  await expect(counts).toHaveText(/1 deleted · 1 changed · 0 added/)

  // The live board keeps syncing underneath: B draws, A's diff counts it at once.
  await createRectangles(b.page, [{ id: 'delta', x: 580, y: 400 }])
  await expect(counts).toHaveText(/1 deleted · 1 changed · 1 added/)
  await expect(view.locator('[data-diff="added"]')).toHaveAttribute('data-shape-id', 'shape:delta')

  // A selects the deleted shape in the read-only version (a click on its outline) and restores only it.
  const gammaEdge = await a.page.evaluate(() => {
    const editor = window.versionEditor!
    const bounds = editor.getShapePageBounds('shape:gamma' as never)!
    return editor.pageToScreen({ x: bounds.center.x, y: bounds.minY })
  })
  await a.page.mouse.click(gammaEdge.x, gammaEdge.y)
  await expect.poll(() => a.page.evaluate(() => window.versionEditor!.getSelectedShapeIds())).toEqual(['shape:gamma'])
  await view.getByRole('button', { name: 'Restore selected shapes (1)' }).click()
  const confirm = a.page.getByRole('dialog', { name: 'Restore the selected shapes?' })
  await expect(confirm).toBeVisible()
  await confirm.getByRole('button', { name: 'Restore', exact: true }).click()
  await expect(view).toBeHidden()

  const afterShapeRestore = [
    { id: 'shape:alpha', x: 100, y: 120 },
    { id: 'shape:beta', x: 260, y: 400 },
    { id: 'shape:delta', x: 580, y: 400 },
    { id: 'shape:gamma', x: 420, y: 120 },
  ]
  await expect.poll(() => positions(b.page)).toEqual(afterShapeRestore)
  await expect.poll(() => positions(a.page)).toEqual(afterShapeRestore)
  await expect(versionItem(a.page, 'Before Alice restored 1 shape from "v1"')).toBeVisible()

  // A restores the whole of v1: B sees the moved shape back in place and B's new shape gone.
  const beforeRestore = await shapesOn(a.page)
  await v1Item.click()
  await expect(banner).toContainText('Viewing v1')
  await expect(counts).toHaveText(/0 deleted · 1 changed · 1 added/)
  await view.getByRole('button', { name: 'Restore this version' }).click()
  await a.page.getByRole('dialog', { name: 'Restore this version?' }).getByRole('button', { name: 'Restore', exact: true }).click()
  await expect(view).toBeHidden()
  await expect.poll(() => positions(b.page)).toEqual(v1Shapes)
  await expect.poll(() => positions(a.page)).toEqual(v1Shapes)
  await expect(versionItem(a.page, 'Before Alice restored "v1"')).toBeVisible()

  // A presses undo: both are back to the state before the restore.
  await panel.getByRole('button', { name: 'Close history' }).click()
  await a.page.mouse.click(1000, 600)
  await a.page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => shapesOn(a.page)).toEqual(beforeRestore)
  await expect.poll(() => shapesOn(b.page)).toEqual(beforeRestore)

  await a.context.close()
  await b.context.close()
})

test('a view link shows no History, and the versions API answers 404 for its id', async ({ browser }) => {
  test.setTimeout(120_000)
  const { editPath, viewPath } = await createBoard(browser)
  const editor = await openBoard(browser, editPath, 'Editor')
  const viewer = await openBoard(browser, viewPath, 'Viewer')

  await expect(editor.page.getByRole('button', { name: 'History', exact: true })).toBeVisible()
  await expect(viewer.page.getByTestId('board-panel')).toBeVisible()
  await expect(viewer.page.getByRole('button', { name: 'History', exact: true })).toHaveCount(0)

  const viewId = viewPath.split('/')[2]
  const roomId = editPath.split('/')[2]
  const saved = await editor.page.request.post(`/api/boards/${roomId}/versions`, { data: { label: 'kept' } })
  expect(saved.status()).toBe(201)
  const { id } = (await saved.json()) as { id: string }

  const api = viewer.page.request
  const answers = await Promise.all([
    api.get(`/api/boards/${viewId}/versions`),
    api.post(`/api/boards/${viewId}/versions`, { data: { label: 'nope' } }),
    api.get(`/api/boards/${viewId}/versions/${id}`),
    api.post(`/api/boards/${viewId}/versions/${id}/restore`, { data: {} }),
  ])
  expect(answers.map((answer) => answer.status())).toEqual([404, 404, 404, 404])
  for (const answer of answers) expect(await answer.json()).toHaveProperty('error')
  // The edit id still answers, so the 404s are about the view id.
  expect((await editor.page.request.get(`/api/boards/${roomId}/versions`)).status()).toBe(200)

  await Promise.all([editor, viewer].map(({ context }) => context.close()))
})
