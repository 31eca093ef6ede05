/// <reference lib="webworker" />
import {
  CacheableResponsePlugin,
  CacheFirst,
  ExpirationPlugin,
  NetworkFirst,
  NetworkOnly,
  Serwist,
  type PrecacheEntry,
  type RouteMatchCallbackOptions,
} from 'serwist'
import {
  MAX_CACHED_IMAGES,
  MAX_CACHED_PAGES,
  OFFLINE_CACHES,
  OFFLINE_PAGE_PATH,
  isAssetImagePath,
  isCacheablePageUrl,
  isHandledNavigationPath,
} from '../lib/client/offlineRoutes.ts'

// The service worker, built after `next build` by `serwist build` (serwist.config.js) into
// public/sw.js; what it keeps and why: docs/offline.md.

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by the precache list: Next's static output, tldraw's fonts, icons and English text. */
  __SW_MANIFEST: (PrecacheEntry | string)[] | undefined
}

/** A slow network must not hold a page hostage: past this, the cached copy is served. */
const NAVIGATION_TIMEOUT_SECONDS = 3
/** Refreshing the cached pages after an update is best effort and must not hold activation for long. */
const REFRESH_TIMEOUT_MS = 10_000

const onlyComplete = () => new CacheableResponsePlugin({ statuses: [200] })

const isNavigation = ({ request, sameOrigin, url }: RouteMatchCallbackOptions) =>
  sameOrigin && request.mode === 'navigate' && isHandledNavigationPath(url.pathname)

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  precacheOptions: { cleanupOutdatedCaches: true },
  // A new deployment takes over at once, so no tab keeps loading an old shell against a newer server.
  skipWaiting: true,
  clientsClaim: true,
  runtimeCaching: [
    {
      // Only the home page and board pages are kept; a 404 (unknown board) is never stored.
      matcher: (options) => isNavigation(options) && isCacheablePageUrl(options.url),
      handler: new NetworkFirst({
        cacheName: OFFLINE_CACHES.pages,
        networkTimeoutSeconds: NAVIGATION_TIMEOUT_SECONDS,
        matchOptions: { ignoreVary: true },
        plugins: [onlyComplete(), new ExpirationPlugin({ maxEntries: MAX_CACHED_PAGES })],
      }),
    },
    {
      // Any other page: from the network, or the offline page.
      matcher: isNavigation,
      handler: new NetworkOnly(),
    },
    {
      matcher: ({ request, sameOrigin, url }) => sameOrigin && request.method === 'GET' && isAssetImagePath(url.pathname),
      handler: new CacheFirst({
        cacheName: OFFLINE_CACHES.images,
        plugins: [onlyComplete(), new ExpirationPlugin({ maxEntries: MAX_CACHED_IMAGES })],
      }),
    },
    {
      matcher: ({ sameOrigin, url }) => sameOrigin && url.pathname.startsWith('/tldraw/'),
      handler: new CacheFirst({ cacheName: OFFLINE_CACHES.tldraw, plugins: [onlyComplete(), new ExpirationPlugin({ maxEntries: 100 })] }),
    },
    {
      // Hashed file names never change content; these are chunks outside this build's precache.
      matcher: ({ sameOrigin, url }) => sameOrigin && url.pathname.startsWith('/_next/static/'),
      handler: new CacheFirst({ cacheName: OFFLINE_CACHES.staticFiles, plugins: [onlyComplete(), new ExpirationPlugin({ maxEntries: 200 })] }),
    },
  ],
  fallbacks: {
    entries: [{ url: OFFLINE_PAGE_PATH, matcher: ({ request }) => request.destination === 'document' }],
  },
})

/**
 * After an update, pages cached under the previous build name chunks this build's precache may no
 * longer hold: fetch them again so an offline reload gets HTML that matches the current shell.
 * Offline, nothing changes; a board that is gone (404) loses its copy.
 */
async function refreshCachedPages(): Promise<void> {
  const cache = await caches.open(OFFLINE_CACHES.pages)
  const requests = await cache.keys()
  await Promise.allSettled(
    requests.map(async (request) => {
      const response = await fetch(request.url, { credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS) })
      if (response.status === 200 && !response.redirected) await cache.put(request, response)
      else if (response.status === 404) await cache.delete(request)
    }),
  )
}

self.addEventListener('activate', (event) => event.waitUntil(refreshCachedPages()))

serwist.addEventListeners()
