import { OFFLINE_CACHES, isCacheablePageUrl } from './offlineRoutes.ts'

/**
 * Keeps a page's HTML in the service worker's pages cache so that it opens offline. The worker
 * stores every page it serves itself; this covers the first visit, which happens before the worker
 * controls the page. Waits for an active worker (never resolves where none is registered, as under
 * `npm run dev`); does nothing for pages that are not kept (see isCacheablePageUrl) or already are.
 * A non-OK answer (an unknown board) or a network error stores nothing.
 */
export async function keepPageForOffline(href: string = location.href): Promise<void> {
  if (!('serviceWorker' in navigator) || !('caches' in window)) return
  const url = new URL(href, location.href)
  if (url.origin !== location.origin || !isCacheablePageUrl(url)) return
  await navigator.serviceWorker.ready
  const cache = await caches.open(OFFLINE_CACHES.pages)
  if (await cache.match(url.href, { ignoreVary: true })) return
  try {
    await cache.add(url.href)
  } catch {
    // Not kept: the page answered with an error, or the network is gone. The next visit tries again.
  }
}

/** Drops a page from the pages cache (a board that was deleted, or whose link was reset). */
export async function forgetPageForOffline(href: string = location.href): Promise<void> {
  if (!('caches' in window)) return
  const cache = await caches.open(OFFLINE_CACHES.pages)
  await cache.delete(new URL(href, location.href).href, { ignoreVary: true })
}
