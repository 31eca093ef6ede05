import { expect, test, type Download, type Page } from '@playwright/test'
import { createBoard, createRectangles, openBoard } from './support/board.ts'

/** Clicks through a menu path and returns the download it starts. */
async function downloadFrom(page: Page, clicks: string[]): Promise<Download> {
  const download = page.waitForEvent('download')
  for (const testId of clicks) await page.getByTestId(testId).click()
  return download
}

test('PNG, SVG and .tldr exports are named after the board, with or without a selection, on edit and view links', async ({ browser }) => {
  const { editPath, viewPath } = await createBoard(browser, 'Plans: Q3 / draft')
  const editor = await openBoard(browser, editPath, 'Exporter')
  await createRectangles(editor.page, [
    { id: 'export-a', x: 200, y: 200 },
    { id: 'export-b', x: 400, y: 200 },
  ])
  const expected = 'Plans Q3 draft'

  // The whole page, from the main menu (nothing selected).
  for (const format of ['png', 'svg']) {
    const download = await downloadFrom(editor.page, ['main-menu.button', 'main-menu-sub.export-all-as-button', `main-menu.export-all-as-${format}`])
    expect(download.suggestedFilename()).toBe(`${expected}.${format}`)
  }

  // A selection, from the context menu: tldraw alone would name it "shape_export-a at <time>".
  const centre = await editor.page.evaluate(() => {
    const e = window.editor!
    e.select('shape:export-a' as never)
    return e.pageToScreen(e.getSelectionPageBounds()!.center)
  })
  await editor.page.mouse.click(centre.x, centre.y, { button: 'right' })
  const selection = await downloadFrom(editor.page, ['context-menu-sub.export-as-button', 'context-menu.export-as-png'])
  expect(selection.suggestedFilename()).toBe(`${expected}.png`)

  // A second page: its name is added, so exports of two pages do not collide.
  await editor.page.evaluate(() => {
    const e = window.editor!
    e.createPage({ name: 'Roadmap' })
    e.setCurrentPage(e.getPages()[1].id)
  })
  await createRectangles(editor.page, [{ id: 'export-c', x: 200, y: 200 }])
  const secondPage = await downloadFrom(editor.page, ['main-menu.button', 'main-menu-sub.export-all-as-button', 'main-menu.export-all-as-svg'])
  expect(secondPage.suggestedFilename()).toBe(`${expected} – Roadmap.svg`)

  // The board file: the sync server's export, named by the app.
  await editor.page.getByTestId('board-panel-menu').click()
  const tldr = editor.page.waitForEvent('download')
  await editor.page.getByTestId('download-tldr').click()
  expect((await tldr).suggestedFilename()).toBe(`${expected}.tldr`)

  // A viewer exports under the same name (on its first page, of the two the board has now).
  const viewer = await openBoard(browser, viewPath, 'Viewer')
  const viewed = await downloadFrom(viewer.page, ['main-menu.button', 'main-menu-sub.export-all-as-button', 'main-menu.export-all-as-png'])
  expect(viewed.suggestedFilename()).toBe(`${expected} – Page 1.png`)

  await Promise.all([editor.context.close(), viewer.context.close()])
})
