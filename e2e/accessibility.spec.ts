import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { createBoard, newGuest, waitForLiveBoard } from './support/board.ts'

interface PageResult {
  page: string
  violations: { id: string; impact: string | null | undefined; help: string; nodes: string[] }[]
}

/** Runs axe-core (WCAG 2.x A and AA rules) on the page as it is and records every violation. */
async function audit(page: Page, name: string): Promise<PageResult> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  const result = {
    page: name,
    violations: violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((node) => node.target.join(' ')).slice(0, 5) })),
  }
  return result
}

function seriousOrCritical(result: PageResult): PageResult['violations'] {
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** Writes every page's violations to test-results/accessibility/axe.json and prints one line per page. */
function report(results: PageResult[]): void {
  const dir = path.join('test-results', 'accessibility')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'axe.json'), JSON.stringify(results, null, 2))
  for (const result of results) {
    const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.join(' | ')}`).join('; ') || 'none'
    console.warn(`[axe] ${result.page}: ${found}`)
  }
}

test('home, board (edit and view), share dialog and error pages have no serious or critical axe violations', async ({ browser }) => {
  // axe walks tldraw's whole DOM on the board pages: several seconds each.
  test.setTimeout(180_000)
  const { editPath, viewPath } = await createBoard(browser, 'Accessible board')
  const context = await newGuest(browser, 'Auditor')
  const page = await context.newPage()
  const checks: PageResult[] = []

  await page.goto('/')
  await expect(page.getByRole('button', { name: 'New board' })).toBeVisible()
  checks.push(await audit(page, 'home'))

  await page.goto(editPath)
  await waitForLiveBoard(page)
  checks.push(await audit(page, 'board (edit link)'))

  await page.getByTestId('share-button').click()
  await expect(page.getByTestId('view-link')).toBeVisible()
  checks.push(await audit(page, 'share dialog'))
  // The dialog closes on Escape (the focus goes back to Share) and on a press outside it.
  const share = page.getByTestId('share-button')
  await page.getByTestId('view-link').focus()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('share-dialog')).toBeHidden()
  await expect(share).toBeFocused()
  await share.click()
  await expect(page.getByTestId('share-dialog')).toBeVisible()
  await page.locator('.tl-canvas').click({ position: { x: 300, y: 400 } })
  await expect(page.getByTestId('share-dialog')).toBeHidden()

  await page.goto(viewPath)
  await waitForLiveBoard(page)
  checks.push(await audit(page, 'board (view link)'))

  const missing = await page.goto('/b/AAAAAAAAAAAAAAAAAAAAAA')
  expect(missing?.status()).toBe(404)
  checks.push(await audit(page, 'unknown board (404)'))

  await page.goto('/no/such/page')
  await expect(page.getByTestId('error-page')).toBeVisible()
  checks.push(await audit(page, 'unknown page (404)'))

  await page.goto('/~offline')
  await expect(page.getByRole('heading').first()).toBeVisible()
  checks.push(await audit(page, 'offline page'))

  await context.close()
  report(checks)
  for (const check of checks) expect(seriousOrCritical(check), check.page).toEqual([])
})

test('every control of the board panel and the home page is reachable with Tab, shows a focus ring and has a name', async ({ browser }) => {
  const { editPath } = await createBoard(browser, 'Keyboard board')
  const context = await newGuest(browser, 'Keys')
  const page = await context.newPage()

  for (const [where, path, root] of [
    ['home', '/', 'main'],
    ['board panel', editPath, '[data-testid="board-panel"]'],
  ] as const) {
    await page.goto(path)
    if (path === editPath) await waitForLiveBoard(page)
    await expect(page.locator(root).first()).toBeVisible()
    // Our own controls under `root`: each must be focusable in tab order, named, and visibly focused.
    const controls = await page.locator(`${root} :is(button, a[href], input, select, [role="button"], [role="menuitem"])`).evaluateAll((elements) =>
      elements
        .filter((element) => (element as HTMLElement).offsetParent !== null)
        .map((element, index) => {
          const described = element.getAttribute('data-testid') ?? element.outerHTML.slice(0, 80)
          element.setAttribute('data-a11y-probe', String(index))
          return `${index}: ${described}`
        }),
    )
    expect(controls.length, where).toBeGreaterThan(0)
    const reached = new Set<string>()
    await page.locator('body').focus()
    for (let step = 0; step < 200 && reached.size < controls.length; step++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        const probe = el?.getAttribute('data-a11y-probe')
        if (!el || probe === null || probe === undefined) return null
        const style = getComputedStyle(el)
        const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        const shadow = style.boxShadow !== 'none'
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? '').trim()
        return { index: Number(probe), visibleFocus: ring || shadow, named: name.length > 0 || el.hasAttribute('aria-labelledby') }
      })
      if (!focused) continue
      const control = controls[focused.index]
      reached.add(control)
      expect(focused.visibleFocus, `${where}: focus ring on ${control}`).toBe(true)
      expect(focused.named, `${where}: accessible name of ${control}`).toBe(true)
    }
    expect([...reached].sort(), `${where}: controls reached with Tab`).toEqual([...controls].sort())
  }
  await context.close()
})
