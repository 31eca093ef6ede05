import { expect, type Page } from '@playwright/test'
import { localCopyName, linkOfBoardPath } from '../../lib/client/localCopy.ts'
import { OFFLINE_CACHES } from '../../lib/client/offlineRoutes.ts'

/**
 * Waits until this page would open offline: a service worker controls it and its HTML is in the
 * worker's pages cache (lib/client/offlineShell.ts puts it there after the first visit).
 */
export async function waitForOfflineShell(page: Page): Promise<void> {
  await page.waitForFunction(
    async (pagesCache) => {
      if (!navigator.serviceWorker?.controller) return false
      const cache = await caches.open(pagesCache)
      return (await cache.match(location.href, { ignoreVary: true })) !== undefined
    },
    OFFLINE_CACHES.pages,
    { timeout: 30_000, polling: 200 },
  )
}

/** What the board's IndexedDB copy holds, read with IndexedDB itself: whether it was synced, and the changes waiting. */
export function readLocalCopy(page: Page, boardPath: string): Promise<{ synced: boolean; pending: number; exists: boolean }> {
  const link = linkOfBoardPath(boardPath)
  if (!link) throw new Error(`not a board path: ${boardPath}`)
  return page.evaluate(
    (name) =>
      new Promise((resolve, reject) => {
        void indexedDB.databases().then((databases) => {
          if (!databases.some((database) => database.name === name)) return resolve({ synced: false, pending: 0, exists: false })
          const open = indexedDB.open(name)
          open.onerror = () => reject(open.error)
          open.onsuccess = () => {
            const db = open.result
            const store = db.transaction('custom', 'readonly').objectStore('custom')
            const meta = store.get('meta')
            const pending = store.get('pending')
            pending.onsuccess = () => {
              db.close()
              resolve({ synced: meta.result !== undefined, pending: Array.isArray(pending.result) ? pending.result.length : 0, exists: true })
            }
          }
        })
      }),
    localCopyName(link),
  )
}

/** Waits until the board's copy in this browser holds a completed sync with the server (it can open offline). */
export async function waitForLocalCopy(page: Page, boardPath: string): Promise<void> {
  await expect.poll(async () => (await readLocalCopy(page, boardPath)).synced, { timeout: 15_000 }).toBe(true)
}

/** The badge's state: connection, the saving line and how many changes wait on this device. */
export async function badge(page: Page): Promise<{ connection: string | null; save: string | null; pending: number }> {
  const save = page.getByTestId('save-state')
  return {
    connection: await page.getByTestId('connection-state').getAttribute('data-state'),
    save: (await save.count()) > 0 ? await save.innerText() : null,
    pending: (await save.count()) > 0 ? Number(await save.getAttribute('data-pending')) : 0,
  }
}

/** Whether the service worker's pages cache holds this path's HTML. */
export function isPageKeptOffline(page: Page, boardPath: string): Promise<boolean> {
  return page.evaluate(
    async ({ pagesCache, href }) => (await (await caches.open(pagesCache)).match(new URL(href, location.href).href, { ignoreVary: true })) !== undefined,
    { pagesCache: OFFLINE_CACHES.pages, href: boardPath },
  )
}
