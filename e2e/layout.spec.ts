import { mkdirSync } from 'node:fs'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { createBoard, createRectangles, openBoard, openPeopleList } from './support/board.ts'
import { joinLightPerson, type LightPerson } from './support/people.ts'

// `avatars`: how many the stack shows (yours included) before "+N" (components/PeopleMenu.tsx).
const VIEWPORTS = [
  { width: 390, height: 844, layout: 'narrow', avatars: 3 },
  { width: 768, height: 1024, layout: 'medium', avatars: 5 },
  { width: 1280, height: 800, layout: 'wide', avatars: 5 },
] as const
const SCREENSHOTS = 'test-results/screenshots'
const COLORS = ['#FF802B', '#F04F88', '#7B66DC', '#02B1CC', '#39B178']

interface Box {
  x: number
  y: number
  width: number
  height: number
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/** Visible, inside the viewport, and what a click at its centre would hit (nothing lies over it). */
async function expectReachable(page: Page, control: Locator): Promise<void> {
  await expect(control).toBeVisible()
  await expect(control).toBeInViewport({ ratio: 1 })
  const hitsItself = await control.evaluate((element) => {
    const box = element.getBoundingClientRect()
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)
    return hit !== null && element.contains(hit)
  })
  expect(hitsItself, `${await control.getAttribute('data-testid')} is covered`).toBe(true)
}

/** Our panels' boxes (the right-hand panel and, on wider screens, the name in tldraw's top panel). */
function ourBoxes(page: Page): Promise<Box[]> {
  return page.locator('[data-testid="board-panel"], .board-title').evaluateAll((elements) =>
    elements.map((element) => {
      const { x, y, width, height } = element.getBoundingClientRect()
      return { x, y, width, height }
    }),
  )
}

/** Shows tldraw's style panel for the selected shape: on narrow screens it is folded into the toolbar's style button. */
async function openStylePanel(page: Page, layout: string): Promise<Box> {
  await page.evaluate(() => {
    window.editor!.select('shape:layout-box' as never)
  })
  if (layout === 'narrow') await page.getByTestId('mobile-styles.button').click()
  const panel = page.getByTestId('style.panel')
  await expect(panel).toBeVisible()
  return (await panel.boundingBox())!
}

async function closeStylePanel(page: Page, layout: string): Promise<void> {
  if (layout === 'narrow') await page.getByTestId('mobile-styles.button').click()
  await page.evaluate(() => {
    window.editor!.selectNone()
  })
  if (layout === 'narrow') await expect(page.getByTestId('style.panel')).toBeHidden()
}

// Three viewports, each with the share dialog, the people list, the menus and the style panel opened:
// more steps than most specs, on machines that may be busy.
test.describe.configure({ timeout: 120_000 })

for (const count of [1, 3, 12]) {
  test(`with ${count} ${count === 1 ? 'person' : 'people'}: Share and the people menu are reachable and clear of the style panel at 390, 768 and 1280 px`, async ({ browser, playwright }) => {
    const { editPath } = await createBoard(browser, `Layout ${count}`)
    const me = await openBoard(browser, editPath, 'Me')
    const { page } = me
    const roomId = editPath.split('/').pop()!
    const pageId = await page.evaluate(() => window.editor!.getCurrentPageId())
    const others: LightPerson[] = []
    try {
      for (let i = 1; i < count; i++) {
        const request = await playwright.request.newContext()
        others.push(await joinLightPerson({ request, roomId, name: `Person ${i}`, color: COLORS[i % COLORS.length]!, pageId, cursor: { x: 100 + i * 40, y: 160 + (i % 3) * 40 } }))
      }
      // Everyone is in our people menu (the server's list) and has a cursor in tldraw.
      await expect(page.getByTestId('people-button')).toHaveAttribute('data-count', String(count))
      await expect.poll(() => page.evaluate(() => new Set(window.editor!.getCollaborators().map((c) => c.userId)).size)).toBe(count - 1)
      await createRectangles(page, [{ id: 'layout-box', x: 300, y: 300 }])

      for (const viewport of VIEWPORTS) {
        await page.setViewportSize({ width: viewport.width, height: viewport.height })
        const panel = page.getByTestId('board-panel')
        await expect(panel).toHaveAttribute('data-layout', viewport.layout)
        const share = page.getByTestId('share-button')
        const people = page.getByTestId('people-button')
        await expectReachable(page, share)
        await expectReachable(page, people)
        const more = Math.max(0, count - viewport.avatars)
        if (more > 0) await expect(page.getByTestId('people-more')).toHaveText(`+${more}`)
        else await expect(page.getByTestId('people-more')).toHaveCount(0)

        await share.click()
        const shareDialog = page.getByRole('dialog', { name: 'Share this board' })
        await expect(shareDialog).toBeVisible()
        await expect(shareDialog.getByTestId('edit-link')).toBeInViewport()
        await share.click()
        await expect(shareDialog).toBeHidden()

        const list = await openPeopleList(page)
        await expect(list).toBeInViewport()
        const listed = await list.getByTestId('person').evaluateAll((items) => items.map((item) => item.getAttribute('data-name')))
        expect(listed.sort()).toEqual(['Me', ...others.map((person) => person.name)].sort())
        await page.keyboard.press('Escape')
        await expect(list).toBeHidden()
        await expect(people).toBeFocused()

        if (viewport.layout === 'narrow') {
          // The less frequent actions are in the ⋯ menu; the status is behind its dot.
          await page.getByTestId('board-panel-menu').click()
          const menu = page.getByRole('menu', { name: 'Board menu' })
          for (const item of ['Rename board…', 'Your name and colour…', 'History', 'Make a copy', 'Download .tldr']) {
            await expect(menu.getByRole('menuitem', { name: item })).toBeInViewport()
          }
          await expect(page.getByTestId('menu-board-name')).toHaveText(`Layout ${count}`)
          await page.keyboard.press('Escape')
          await expect(menu).toBeHidden()
          await expectReachable(page, page.getByTestId('status-button'))
          await page.getByTestId('status-button').click()
          await expect(page.getByTestId('connection-state')).toBeInViewport()
          await expect(page.getByTestId('connection-state')).toHaveText('Live')
          await page.getByTestId('status-button').click()
        } else {
          await expectReachable(page, page.getByTestId('board-name'))
          await expectReachable(page, page.getByTestId('connection-state'))
          await expectReachable(page, page.getByTestId('board-panel-menu'))
          if (viewport.layout === 'wide') {
            await expectReachable(page, page.getByTestId('identity-button'))
            await expectReachable(page, page.getByRole('button', { name: 'History', exact: true }))
          }
        }

        const style = await openStylePanel(page, viewport.layout)
        for (const box of await ourBoxes(page)) expect(intersects(box, style), `our panel overlaps the style panel at ${viewport.width} px`).toBe(false)
        await expectReachable(page, share)
        await expectReachable(page, people)

        if (viewport.width === 390 && count === 3) {
          mkdirSync(SCREENSHOTS, { recursive: true })
          await page.screenshot({ path: `${SCREENSHOTS}/board-390.png` })
        }
        if (viewport.width === 1280 && count === 12) {
          mkdirSync(SCREENSHOTS, { recursive: true })
          await page.screenshot({ path: `${SCREENSHOTS}/board-12-people.png` })
        }
        await closeStylePanel(page, viewport.layout)
      }
    } finally {
      await Promise.all(others.map((person) => person.leave()))
      await me.context.close()
    }
  })
}
