import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { drawRectangleWithMouse, newGuest, shapesOn, waitForLiveBoard, waitForSaved } from './support/board.ts'
import { E2E } from './support/environment.ts'

declare global {
  interface Window {
    cspViolations?: string[]
  }
}

/** A page whose CSP violations (events and console reports) are collected from before its first script runs. */
async function pageCollectingViolations(context: BrowserContext): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  await context.addInitScript(() => {
    window.cspViolations = []
    document.addEventListener('securitypolicyviolation', (event) => window.cspViolations!.push(`${event.violatedDirective} ${event.blockedURI}`))
  })
  const page = await context.newPage()
  const reported: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) reported.push(message.text())
  })
  return { page, violations: async () => [...reported, ...(await page.evaluate(() => window.cspViolations ?? []))] }
}

/** The nonce of a page's script-src; every <script> of the page's HTML must carry it. */
function scriptNonce(policy: string): string {
  const scriptSrc = policy.split(';').find((directive) => directive.trim().startsWith('script-src')) ?? ''
  expect(scriptSrc).toContain("'strict-dynamic'")
  expect(scriptSrc).not.toContain("'unsafe-inline'")
  const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1]
  expect(nonce).toBeTruthy()
  return nonce!
}

test('pages carry a nonce-based CSP that allows only the app and its sync server, and the board works under it with no violation', async ({ browser, request }) => {
  const home = await request.get('/')
  const policy = home.headers()['content-security-policy'] ?? ''
  expect(policy).toContain(`connect-src 'self' data: blob: ws://127.0.0.1:${E2E.syncPort}`)
  expect(policy).toContain("frame-ancestors 'none'")
  expect(home.headers()['x-frame-options']).toBe('DENY')
  const nonce = scriptNonce(policy)
  const scripts = (await home.text()).match(/<script\b[^>]*>/g) ?? []
  expect(scripts.length).toBeGreaterThan(0)
  for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`)
  // A fresh nonce for every answer: the page is rendered per request.
  expect(scriptNonce((await request.get('/')).headers()['content-security-policy'] ?? '')).not.toBe(nonce)

  // Alice starts a board from the home page (a server action), draws; Bob opens her link and sees it.
  const a = await pageCollectingViolations(await newGuest(browser, 'Alice'))
  await a.page.goto('/')
  await a.page.getByLabel('Board name').fill('CSP board')
  await a.page.getByRole('button', { name: 'New board' }).click()
  await a.page.waitForURL(/\/b\/[A-Za-z0-9_-]{22}$/)
  await waitForLiveBoard(a.page)
  const boardPage = await request.get(new URL(a.page.url()).pathname)
  const boardNonce = scriptNonce(boardPage.headers()['content-security-policy'] ?? '')
  for (const script of (await boardPage.text()).match(/<script\b[^>]*>/g) ?? []) expect(script).toContain(`nonce="${boardNonce}"`)

  const b = await pageCollectingViolations(await newGuest(browser, 'Bob'))
  await b.page.goto(a.page.url())
  await waitForLiveBoard(b.page)
  await drawRectangleWithMouse(a.page, { x: 400, y: 300 }, { x: 560, y: 420 })
  await expect.poll(() => shapesOn(a.page)).toHaveLength(1)
  await expect.poll(() => shapesOn(b.page)).toEqual(await shapesOn(a.page))
  await waitForSaved(a.page)

  expect(await a.violations()).toEqual([])
  expect(await b.violations()).toEqual([])
  await a.page.context().close()
  await b.page.context().close()
})
