import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'

/** What the specs read from the page: tldraw's editor and the board session (exposed on window by components/Board.tsx). */
export interface ShapeSummary {
  id: string
  type: string
  x: number
  y: number
  props: Record<string, unknown>
}

export interface BoardPage {
  context: BrowserContext
  page: Page
}

/** A new browser context (its own cookies and storage: a separate guest) with a display name. */
export async function newGuest(browser: Browser, name: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.addInitScript((guestName) => {
    if (!localStorage.getItem('whiteboard:identity')) {
      localStorage.setItem('whiteboard:identity', JSON.stringify({ name: guestName, color: '#1c7ed6' }))
    }
  }, name)
  return context
}

/** Creates a board through the home page and returns its edit and view-only paths. */
export async function createBoard(browser: Browser, name = 'Test board'): Promise<{ editPath: string; viewPath: string }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto('/')
  await page.getByLabel('Board name').fill(name)
  await page.getByRole('button', { name: 'New board' }).click()
  await page.waitForURL(/\/b\/[A-Za-z0-9_-]{22}$/)
  const editPath = new URL(page.url()).pathname
  await waitForLiveBoard(page)
  await page.getByTestId('share-button').click()
  const viewUrl = await page.getByTestId('view-link').inputValue()
  await context.close()
  return { editPath, viewPath: new URL(viewUrl).pathname }
}

/** Waits until the editor is mounted and the socket is authenticated. */
export async function waitForLiveBoard(page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean(window.editor), null, { timeout: 30_000 })
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
}

export async function openBoard(browser: Browser, boardPath: string, name: string): Promise<BoardPage> {
  const context = await newGuest(browser, name)
  const page = await context.newPage()
  await page.goto(boardPath)
  await waitForLiveBoard(page)
  return { context, page }
}

export function shapesOn(page: Page): Promise<ShapeSummary[]> {
  return page.evaluate(() =>
    window
      .editor!.getCurrentPageShapes()
      .map((shape) => ({ id: shape.id, type: shape.type, x: Math.round(shape.x), y: Math.round(shape.y), props: shape.props as Record<string, unknown> }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  )
}

/** Draws a rectangle through the UI: the `r` shortcut, then a drag on the canvas. */
export async function drawRectangleWithMouse(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.locator('.tl-canvas').click({ position: { x: 5, y: 400 } })
  await page.keyboard.press('Escape')
  await page.keyboard.press('r')
  await page.mouse.move(from.x, from.y)
  await page.mouse.down()
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 })
  await page.mouse.move(to.x, to.y, { steps: 4 })
  await page.mouse.up()
}

/** Creates geo shapes through the editor API (same code path as a tool finishing a shape). */
export async function createRectangles(page: Page, shapes: { id: string; x: number; y: number; color?: string }[]): Promise<void> {
  await page.evaluate((list) => {
    const editor = window.editor!
    editor.createShapes(
      list.map((shape) => ({
        id: `shape:${shape.id}` as never,
        type: 'geo',
        x: shape.x,
        y: shape.y,
        props: { geo: 'rectangle' as const, w: 80, h: 60, ...(shape.color ? { color: shape.color as 'black' } : {}) },
      })),
    )
  }, shapes)
}

/** Opens the people menu (the avatar stack) unless it is open, and returns its list. */
export async function openPeopleList(page: Page): Promise<Locator> {
  const list = page.getByTestId('people-list')
  await expect(async () => {
    if (!(await list.isVisible())) await page.getByTestId('people-button').click()
    await expect(list).toBeVisible({ timeout: 2_000 })
  }).toPass()
  return list
}

/** The names in the people menu (sorted, yours included), read with the menu opened and closed again. */
export async function peopleNames(page: Page): Promise<string[]> {
  const list = await openPeopleList(page)
  const names = await list.getByTestId('person').evaluateAll((items) => items.map((item) => item.getAttribute('data-name') ?? ''))
  await page.getByTestId('people-button').click()
  await expect(list).toBeHidden()
  return names.sort()
}

/** Waits until the server has durably stored every local change of this page. */
export async function waitForSaved(page: Page): Promise<void> {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved')
}
