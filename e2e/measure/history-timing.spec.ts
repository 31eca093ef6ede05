import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { createBoard, openBoard } from '../support/board.ts'

/** Shapes on the board whose version is listed and rendered: 1,000 by default; HISTORY_RENDER_SHAPES=10000 for the figures the docs quote. */
const RENDER_SHAPES = Number(process.env.HISTORY_RENDER_SHAPES ?? 1000)

function versionItem(page: Page, title: string) {
  return page.getByTestId('version-item').filter({ has: page.locator('.version-item__title').getByText(title, { exact: true }) })
}

test(`time to list versions and to render a version of a ${RENDER_SHAPES}-shape board`, async ({ browser }) => {
  test.setTimeout(600_000)
  const { editPath } = await createBoard(browser)
  const roomId = editPath.split('/')[2]
  const a = await openBoard(browser, editPath, 'Alice')
  // Put straight into the store (synced like any local edit): createShapes stops at tldraw's 4,000 shapes a page.
  await a.page.evaluate((count) => {
    const editor = window.editor!
    const parentId = editor.getCurrentPageId()
    const props = { ...editor.getShapeUtil('geo').getDefaultProps(), w: 80, h: 60 }
    const shapeType = editor.store.schema.types.shape
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, (_, k) => {
        const i = start + k
        return shapeType.create({ id: `shape:big-${i}`, type: 'geo', parentId, index: 'a1', x: (i % 100) * 90, y: Math.floor(i / 100) * 70, props })
      })
      editor.store.put(batch as never)
    }
  }, RENDER_SHAPES)
  // Once a second browser has every shape, the server has them all too.
  const b = await openBoard(browser, editPath, 'Bob')
  await expect.poll(() => b.page.evaluate(() => window.editor!.getCurrentPageShapeIds().size), { timeout: 120_000 }).toBe(RENDER_SHAPES)
  await b.context.close()

  const saved = await a.page.request.post(`/api/boards/${roomId}/versions`, { data: { label: 'big' } })
  expect(saved.status()).toBe(201)
  expect(((await saved.json()) as { shapeCount: number }).shapeCount).toBe(RENDER_SHAPES)

  const versionId = ((await saved.json()) as { id: string }).id
  const fetchMs = (url: string) =>
    a.page.evaluate(async (address) => {
      const start = performance.now()
      const response = await fetch(address, { cache: 'no-store' })
      await response.json()
      return performance.now() - start
    }, url)
  const listMs = await fetchMs(`/api/boards/${roomId}/versions`)
  // Part of rendering: the version's records over HTTP (the app decodes the stored state).
  const loadMs = await fetchMs(`/api/boards/${roomId}/versions/${versionId}`)

  // From the click on the version to the frame painted after its read-only editor holds every shape.
  await a.page.getByRole('button', { name: 'History', exact: true }).click()
  const item = versionItem(a.page, 'big')
  await expect(item).toContainText(`${RENDER_SHAPES} shapes`)
  const renderMs = await a.page.evaluate(async (count) => {
    const start = performance.now()
    const titles = [...document.querySelectorAll('.version-item__title')]
    titles.find((title) => title.textContent === 'big')!.closest('button')!.click()
    await new Promise<void>((resolve) => {
      const check = () => {
        if ((window.versionEditor?.getCurrentPageShapeIds().size ?? 0) >= count) requestAnimationFrame(() => resolve())
        else requestAnimationFrame(check)
      }
      check()
    })
    return performance.now() - start
  }, RENDER_SHAPES)
  await expect(a.page.getByTestId('version-diff-counts')).toHaveText(/0 deleted · 0 changed · 0 added/)

  const result = { shapes: RENDER_SHAPES, listVersionsMs: Math.round(listMs), loadVersionRecordsMs: Math.round(loadMs), renderVersionMs: Math.round(renderMs) }
  console.warn(`version history: ${JSON.stringify(result)}`)
  mkdirSync('test-results', { recursive: true })
  writeFileSync(path.join('test-results', `history-render-${RENDER_SHAPES}.json`), `${JSON.stringify(result, null, 2)}\n`)
  await a.context.close()
})
