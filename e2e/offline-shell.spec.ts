import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { createBoard, waitForLiveBoard } from './support/board.ts'

// The app shell offline (docs/offline.md): the service worker serves pages this browser opened,
// tldraw's files and Next's chunks, and an offline page for anything else.

const isControlled = (page: Page) => page.evaluate(() => navigator.serviceWorker.controller !== null)

/** Waits until the service worker (installed, so its precache is complete) controls the page; reloads once if it has not claimed it. */
async function waitForServiceWorker(page: Page): Promise<void> {
  try {
    await expect.poll(() => isControlled(page), { timeout: 20_000 }).toBe(true)
  } catch {
    await page.reload()
    await expect.poll(() => isControlled(page), { timeout: 10_000 }).toBe(true)
  }
}

/** The cached copy's policy header: each answer carries a fresh nonce, so a changed header means a fresh copy. */
function cachedPagePolicy(page: Page, path: string): Promise<string | null> {
  return page.evaluate(async (target) => {
    const cache = await caches.open('whiteboard-pages')
    const response = await cache.match(new URL(target, location.href).href, { ignoreVary: true })
    return response?.headers.get('content-security-policy') ?? null
  }, path)
}

/** Whether the worker's pages cache holds this path (cache name as in lib/client/offlineRoutes.ts). */
function isPageCached(page: Page, path: string): Promise<boolean> {
  return page.evaluate(async (target) => {
    const cache = await caches.open('whiteboard-pages')
    return (await cache.match(new URL(target, location.href).href, { ignoreVary: true })) !== undefined
  }, path)
}

test('offline, a board never opened here shows the offline page, and an unknown board is never kept', async ({ browser }) => {
  const { editPath, viewPath } = await createBoard(browser, 'Never opened here')
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto('/')
  await waitForServiceWorker(page)

  // Online, an unknown board is a 404 through the worker; it must not be stored as that board's page.
  const unknownPath = '/b/AAAAAAAAAAAAAAAAAAAAAA'
  expect((await page.goto(unknownPath))?.status()).toBe(404)
  await expect(page.getByTestId('error-page')).toBeVisible()

  await context.setOffline(true)
  for (const path of [editPath, viewPath, unknownPath]) {
    await page.goto(path)
    await expect(page.getByTestId('offline-page'), path).toBeVisible()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are offline')
    await expect(page.getByTestId('offline-page')).toContainText('This board has not been opened on this device yet')
    expect(new URL(page.url()).pathname).toBe(path)
  }
  expect(await isPageCached(page, unknownPath)).toBe(false)
  await context.close()
})

test('offline, a board opened here reloads: its page, Next chunks and tldraw UI with its icons', async ({ browser }) => {
  const { editPath, viewPath } = await createBoard(browser, 'Opened here')
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  // First visit: the page opens before the worker controls it; lib/client/offlineShell.ts keeps it.
  await page.goto(editPath)
  await waitForLiveBoard(page)
  await waitForServiceWorker(page)
  await expect.poll(() => isPageCached(page, editPath)).toBe(true)
  await page.goto(viewPath)
  await page.waitForFunction(() => Boolean(window.editor), null, { timeout: 30_000 })
  await expect.poll(() => isPageCached(page, viewPath)).toBe(true)
  await page.goto(editPath)
  await page.waitForFunction(() => Boolean(window.editor), null, { timeout: 30_000 })

  const failed: string[] = []
  page.on('requestfailed', (request) => {
    const { origin, pathname } = new URL(request.url())
    if (origin === new URL(page.url()).origin && /^\/(tldraw|_next\/static)\//.test(pathname)) failed.push(pathname)
  })

  await context.setOffline(true)
  // Offline for real: the app's API is unreachable from the page.
  expect(await page.evaluate(() => fetch('/api/token', { method: 'POST' }).then(() => 'reached', () => 'failed'))).toBe('failed')

  for (const path of [editPath, viewPath]) {
    if (path === editPath) await page.reload()
    else await page.goto(path)
    expect(new URL(page.url()).pathname).toBe(path)
    // The board's own page (its title is rendered per board), not the offline page nor the browser's error page.
    await expect(page).toHaveTitle(/^Opened here/)
    await expect(page.getByTestId('offline-page')).toHaveCount(0)
    // tldraw's toolbar, its icons drawn from the self-hosted sprite.
    const icon = page.locator('.tlui-main-toolbar .tlui-icon').first()
    await expect(icon).toBeVisible({ timeout: 30_000 })
    expect(await icon.evaluate((element) => getComputedStyle(element).maskImage || getComputedStyle(element).webkitMaskImage)).toContain(
      '/tldraw/icons/icon/0_merged.svg',
    )
  }
  // The sprite, the fonts tldraw draws with and the English text are served offline by the worker.
  const offlineFiles = await page.evaluate(() =>
    Promise.all(
      ['/tldraw/icons/icon/0_merged.svg', '/tldraw/fonts/Shantell_Sans-Informal_Regular.woff2', '/tldraw/fonts/IBMPlexSans-Medium.woff2', '/tldraw/translations/en.json'].map(
        (path) => fetch(path).then((response) => `${path} ${response.status}`, () => `${path} failed`),
      ),
    ),
  )
  expect(offlineFiles.every((line) => line.endsWith(' 200')), offlineFiles.join(', ')).toBe(true)
  expect(failed).toEqual([])
  await context.close()
})

test('the web manifest names the app and its icons, and every icon is served as an image', async ({ request }) => {
  const response = await request.get('/manifest.webmanifest')
  expect(response.status()).toBe(200)
  const manifest = (await response.json()) as { name: string; start_url: string; display: string; icons: { src: string; sizes: string; type: string }[] }
  expect(manifest).toMatchObject({ name: 'Whiteboard', start_url: '/', display: 'standalone' })
  expect(manifest.icons.map((icon) => icon.sizes).sort()).toEqual(['192x192', '512x512'])
  for (const icon of manifest.icons) {
    const image = await request.get(icon.src)
    expect(image.status(), icon.src).toBe(200)
    expect(image.headers()['content-type'], icon.src).toMatch(/^image\/png/)
  }
})

test('pages link the manifest and register the worker only from /sw.js, under the page policy', async ({ page }) => {
  const response = await page.goto('/')
  expect(response?.headers()['content-security-policy']).toContain("worker-src 'self'")
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest')
  await waitForServiceWorker(page)
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/)
})

test('a new worker (a new deployment) takes over an open page, says so, and refreshes the kept pages', async ({ browser }) => {
  const { editPath } = await createBoard(browser, 'Updated here')
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(editPath)
  await waitForServiceWorker(page)
  await expect.poll(() => isPageCached(page, editPath)).toBe(true)
  const policyBefore = await cachedPagePolicy(page, editPath)
  expect(policyBefore).toContain('nonce-')
  await expect(page.getByTestId('update-notice')).toHaveCount(0)

  // A new deployment, as the browser sees it: the worker script changed.
  const worker = path.resolve(import.meta.dirname, '../public/sw.js')
  const original = readFileSync(worker, 'utf8')
  try {
    appendFileSync(worker, `\n// deployment ${Date.now()}\n`)
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration()
      await registration?.update()
    })
    const notice = page.getByRole('status').filter({ hasText: 'Whiteboard was updated' })
    await expect(notice).toBeVisible()
    await expect.poll(() => cachedPagePolicy(page, editPath)).not.toBe(policyBefore)
    await notice.getByRole('button', { name: 'Dismiss' }).click()
    await expect(notice).toHaveCount(0)
  } finally {
    writeFileSync(worker, original)
  }
  await context.close()
})
